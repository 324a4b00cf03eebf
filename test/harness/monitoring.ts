// Real Prometheus 2.42 and Alertmanager 0.25 (Debian packages) on loopback, for tests of the alert
// gate, webhook intake and notifications. Everything lives in a temp folder; both are stopped by PID.
// Gotchas that shape this file are in ../../docs/control-plane.md and the shared notes: explicit
// listen addresses and storage paths, no gossip listener, a 2 s resend delay, and a 5 s discovery
// floor (wait for the Alertmanager and the targets, not just /-/ready).

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, isAddressInUse } from './ports.ts';
import { startProcess, type ManagedProcess } from './process.ts';
import { waitFor, type WaitOptions } from './wait-for.ts';

export interface MonitoringOptions {
  /** host:port of each /metrics endpoint to scrape (job "kreboot"). */
  readonly scrapeTargets?: readonly string[];
  /** Prometheus rule file: YAML text, or the path of a file. */
  readonly rules?: string;
  /** Alertmanager configuration, YAML text. */
  readonly alertmanagerConfig: string;
  /** More Prometheus scrape_configs entries, as objects (written as JSON, which is YAML). */
  readonly extraScrapeConfigs?: readonly object[];
  readonly prometheusBinary?: string;
  readonly alertmanagerBinary?: string;
  /** Global scrape and evaluation interval (default 1s, the tests' shortcut; bench/shipped-defaults.ts uses what a cluster has). */
  readonly scrapeInterval?: string;
  readonly evaluationInterval?: string;
  /** --rules.alert.resend-delay (default 2s here; Prometheus's own default is 1m). */
  readonly resendDelay?: string;
}

export type AlertState = 'firing' | 'pending' | 'inactive';
export type SilenceMatchers = Record<string, string> | ReadonlyArray<{ name: string; value: string; isRegex?: boolean; isEqual?: boolean }>;

export interface Monitoring {
  readonly prometheusUrl: string;
  readonly alertmanagerUrl: string;
  readonly dir: string;
  /** Waits until Prometheus knows the Alertmanager and every scrape target is up. */
  waitForTarget(options?: WaitOptions): Promise<void>;
  /** Waits until Prometheus reports the alert in `state` ("inactive": not pending nor firing). */
  waitForAlert(name: string, state: AlertState, options?: WaitOptions): Promise<void>;
  /** Alerts Alertmanager holds now (API v2). */
  alertmanagerAlerts(): Promise<
    Array<{ labels: Record<string, string>; status: { state: string; silencedBy: string[]; inhibitedBy: string[] } }>
  >;
  addSilence(matchers: SilenceMatchers, durationMs: number, comment?: string): Promise<string>;
  expireSilence(id: string): Promise<void>;
  /** Replaces the rule file and reloads Prometheus. */
  setRules(rules: string): Promise<void>;
  reloadPrometheus(): Promise<void>;
  /** Stops Prometheus only (the "Prometheus is down" case); startPrometheus brings it back on the same port. */
  stopPrometheus(): Promise<void>;
  startPrometheus(): Promise<void>;
  /** Stops Alertmanager only; startAlertmanager brings it back on the same port with its stored silences. */
  stopAlertmanager(): Promise<void>;
  startAlertmanager(): Promise<void>;
  stop(): Promise<void>;
  logs(): string;
}

async function ready(url: string, proc: ManagedProcess): Promise<void> {
  await waitFor(
    async () => {
      if (!proc.running()) throw new Error(`${proc.name} exited: ${proc.tail(10)}`);
      return (await fetch(`${url}/-/ready`)).ok;
    },
    { timeoutMs: 30_000, intervalMs: 50, what: `${proc.name} ready at ${url}` },
  );
}

/** Starts a server on a free port, picking another once if the port was taken meanwhile. */
async function startOnFreePort(name: string, launch: (port: number) => ManagedProcess): Promise<{ proc: ManagedProcess; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const proc = launch(port);
    const url = `http://127.0.0.1:${port}`;
    try {
      await ready(url, proc);
      return { proc, url };
    } catch (error) {
      await proc.stop();
      if (attempt >= 3 || !isAddressInUse(proc.tail(20)))
        throw new Error(`${name} did not start: ${(error as Error).message}`, { cause: error });
    }
  }
}

/** Rule text from YAML text or a file path; copied into the temp folder so setRules never edits a repo file. */
function rulesText(rules: string | undefined): string {
  if (rules === undefined) return 'groups: []\n';
  return !rules.includes('\n') && existsSync(rules) ? readFileSync(rules, 'utf8') : rules;
}

export async function startMonitoring(options: MonitoringOptions): Promise<Monitoring> {
  const dir = mkdtempSync(join(tmpdir(), 'kreboot-monitoring-'));
  const rulesPath = join(dir, 'rules.yml');
  writeFileSync(rulesPath, rulesText(options.rules));
  writeFileSync(join(dir, 'alertmanager.yml'), options.alertmanagerConfig);

  let amPort = 0;
  const launchAlertmanager = (port: number) => {
    amPort = port;
    return startProcess(
      'alertmanager',
      options.alertmanagerBinary ?? 'prometheus-alertmanager',
      [
        `--config.file=${join(dir, 'alertmanager.yml')}`,
        `--storage.path=${join(dir, 'am-data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.external-url=http://127.0.0.1:${port}/`,
        '--cluster.listen-address=',
      ],
      { logDir: dir },
    );
  };
  let am: { proc: ManagedProcess; url: string } = await startOnFreePort('alertmanager', launchAlertmanager);
  const amHostPort = new URL(am.url).host;

  const prometheusConfig = {
    global: {
      scrape_interval: options.scrapeInterval ?? '1s',
      evaluation_interval: options.evaluationInterval ?? '1s',
      scrape_timeout: '1s',
    },
    alerting: { alertmanagers: [{ static_configs: [{ targets: [amHostPort] }] }] },
    rule_files: [rulesPath],
    scrape_configs: [
      ...(options.scrapeTargets?.length ? [{ job_name: 'kreboot', static_configs: [{ targets: options.scrapeTargets }] }] : []),
      ...(options.extraScrapeConfigs ?? []),
    ],
  };
  writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(prometheusConfig, null, 2));

  let promPort = 0;
  const launchPrometheus = (port: number) => {
    promPort = port;
    return startProcess(
      'prometheus',
      options.prometheusBinary ?? 'prometheus',
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'prom-data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        `--web.external-url=http://127.0.0.1:${port}/`,
        '--web.enable-lifecycle',
        // An alert that fired while Alertmanager was unreachable is re-sent after this, not after 1m.
        `--rules.alert.resend-delay=${options.resendDelay ?? '2s'}`,
      ],
      { logDir: dir },
    );
  };
  let prom: { proc: ManagedProcess; url: string } = await startOnFreePort('prometheus', launchPrometheus);
  const prometheusUrl = prom.url;
  const api = async <T>(url: string, init?: RequestInit): Promise<T> => {
    const response = await fetch(url, init);
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${url}: HTTP ${response.status} ${await response.text()}`);
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  };

  return {
    prometheusUrl,
    alertmanagerUrl: am.url,
    dir,
    async waitForTarget(waitOptions = {}) {
      await waitFor(
        async () => {
          const ams = await api<{ data: { activeAlertmanagers: Array<{ url: string }> } }>(`${prometheusUrl}/api/v1/alertmanagers`);
          if (!ams.data.activeAlertmanagers.some((a) => a.url.includes(amHostPort))) return false;
          const targets = await api<{ data: { activeTargets: Array<{ health: string }> } }>(`${prometheusUrl}/api/v1/targets?state=active`);
          const expected = (options.scrapeTargets?.length ?? 0) > 0 || (options.extraScrapeConfigs?.length ?? 0) > 0;
          if (expected && targets.data.activeTargets.length === 0) return false;
          return targets.data.activeTargets.every((t) => t.health === 'up');
        },
        { timeoutMs: 60_000, intervalMs: 250, what: 'Prometheus to discover Alertmanager and scrape every target', ...waitOptions },
      );
    },
    async waitForAlert(name, state, waitOptions = {}) {
      await waitFor(
        async () => {
          const alerts = await api<{ data: { alerts: Array<{ labels: Record<string, string>; state: string }> } }>(
            `${prometheusUrl}/api/v1/alerts`,
          );
          const mine = alerts.data.alerts.filter((a) => a.labels.alertname === name);
          return state === 'inactive' ? mine.length === 0 : mine.some((a) => a.state === state);
        },
        { timeoutMs: 30_000, intervalMs: 200, what: `alert ${name} ${state} in Prometheus`, ...waitOptions },
      );
    },
    async alertmanagerAlerts() {
      return api(`${am.url}/api/v2/alerts`);
    },
    async addSilence(matchers, durationMs, comment = 'kreboot test') {
      const list = Array.isArray(matchers)
        ? matchers.map((m) => ({ isRegex: false, isEqual: true, ...m }))
        : Object.entries(matchers).map(([name, value]) => ({ name, value, isRegex: false, isEqual: true }));
      const now = Date.now();
      const body = {
        matchers: list,
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + durationMs).toISOString(),
        createdBy: 'kreboot-tests',
        comment,
      };
      const { silenceID } = await api<{ silenceID: string }>(`${am.url}/api/v2/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return silenceID;
    },
    async expireSilence(id) {
      await api(`${am.url}/api/v2/silence/${encodeURIComponent(id)}`, { method: 'DELETE' });
    },
    async setRules(rules) {
      writeFileSync(rulesPath, rules);
      await api(`${prometheusUrl}/-/reload`, { method: 'POST' });
    },
    async reloadPrometheus() {
      await api(`${prometheusUrl}/-/reload`, { method: 'POST' });
    },
    async stopPrometheus() {
      await prom.proc.stop();
    },
    async startPrometheus() {
      if (prom.proc.running()) return;
      const proc = launchPrometheus(promPort);
      await ready(prometheusUrl, proc);
      prom = { proc, url: prometheusUrl };
    },
    async stopAlertmanager() {
      await am.proc.stop();
    },
    async startAlertmanager() {
      if (am.proc.running()) return;
      const proc = launchAlertmanager(amPort);
      await ready(am.url, proc);
      am = { proc, url: am.url };
    },
    async stop() {
      await prom.proc.stop();
      await am.proc.stop();
      if (!process.env.KREBOOT_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
    },
    logs() {
      return [
        `--- prometheus (${prom.proc.logPath}) ---`,
        prom.proc.tail(),
        `--- alertmanager (${am.proc.logPath}) ---`,
        am.proc.tail(),
      ].join('\n');
    },
  };
}
