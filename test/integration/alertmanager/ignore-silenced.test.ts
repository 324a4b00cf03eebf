// --alert-ignore-silenced against real Prometheus 2.42 and Alertmanager 0.25 (kured #499): a firing
// HighLoad alert blocks its node; once silenced in Alertmanager it no longer blocks with the option
// on, and still blocks with it off; expiring the silence blocks again. Alertmanager unreachable
// blocks, with the reason. Inhibited alerts count as silenced (an inhibit rule in the config).

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { startMonitoring, type Monitoring } from '../../harness/monitoring.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { buildGates, type GatesConfig } from '../../../src/gates/build-gates.ts';
import type { Gate, Verdict } from '../../../src/gates/gate.ts';
import { startFakeExporter, type FakeExporter } from '../../harness/fake-exporter.ts';

const RULES = `
groups:
  - name: test
    interval: 1s
    rules:
      - alert: HighLoad
        expr: test_load > 1
      - alert: DiskFull
        expr: test_disk_full > 0
      - alert: DataCenterDown
        expr: test_dc_down > 0
`;
// DataCenterDown inhibits DiskFull on the same node: the classic "do not page for the symptom".
const AM_CONFIG = `
route: { receiver: none, group_wait: 1s, group_interval: 1s, repeat_interval: 1h }
receivers: [ { name: none } ]
inhibit_rules:
  - source_matchers: [ alertname="DataCenterDown" ]
    target_matchers: [ alertname="DiskFull" ]
    equal: [ node ]
`;

let exporter: FakeExporter;
let monitoring: Monitoring;
const nodes = ['n1', 'n2'];
const gates: Record<'on' | 'off' | 'down', Gate> = {} as never;

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'http://127.0.0.1:1' }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

function alertsGate(ignoreSilenced: boolean, alertmanagerUrl: string): Gate {
  const secrets = { bearerTokenFile: '', username: '', passwordFile: '', caFile: '' };
  const config: GatesConfig = {
    prometheus: {
      url: new URL(monitoring.prometheusUrl),
      alertFilter: undefined,
      alertFilterMatchOnly: false,
      alertFiringOnly: false,
      alertScope: 'node',
      alertFilterLabels: [],
      alertIgnoreSilenced: ignoreSilenced,
      gateQuery: '',
      ...secrets,
      timeoutMs: 2000,
    },
    alertmanager: { url: new URL(alertmanagerUrl), ...secrets, timeoutMs: 2000, silenceMatchers: [] },
    window: {
      rebootDays: ['su', 'mo', 'tu', 'we', 'th', 'fr', 'sa'],
      startTime: '0:00',
      endTime: '23:59:59',
      timeZone: 'UTC',
      maintenanceWindows: [],
    },
    blockingPodSelectors: [],
    alertNodeLabels: ['node'],
    rebootAlert: /^RebootRequired$/,
    remediationAlert: undefined,
  };
  const built = buildGates(config, { kc: kubeConfig(), log: pino({ level: 'silent' }), registry: new Registry() });
  assert.deepEqual(built.problems, []);
  const gate = built.gates.find((g) => g.name === 'prometheus-alerts');
  assert.ok(gate);
  return gate;
}

before(async () => {
  exporter = await startFakeExporter({ test_load: ['node'], test_disk_full: ['node'], test_dc_down: ['node'] });
  for (const node of nodes) {
    exporter.set('test_load', { node }, 0);
    exporter.set('test_disk_full', { node }, 0);
    exporter.set('test_dc_down', { node }, 0);
  }
  monitoring = await startMonitoring({ scrapeTargets: [exporter.target], rules: RULES, alertmanagerConfig: AM_CONFIG });
  gates.on = alertsGate(true, monitoring.alertmanagerUrl);
  gates.off = alertsGate(false, monitoring.alertmanagerUrl);
  gates.down = alertsGate(true, 'http://127.0.0.1:1');
  await monitoring.waitForTarget();
});
after(async () => {
  await monitoring?.stop();
  await exporter?.close();
});
afterEach((t) =>
  printOnFailure(
    t,
    async () => `${monitoring.logs()}\n--- Alertmanager alerts\n${JSON.stringify(await monitoring.alertmanagerAlerts(), null, 1)}`,
  ),
);

const reason = (v: Verdict) => (v.open ? 'open' : `${v.gate}: ${v.reason}`);

async function verdicts(gate: Gate): Promise<Record<string, string>> {
  const verdict = await gate.evaluate({ now: new Date(), nodes, knownNodes: new Set(nodes) });
  return Object.fromEntries(nodes.map((n) => [n, reason(verdict(n))]));
}

async function waitForVerdicts(gate: Gate, want: Record<string, string>, what: string): Promise<void> {
  let last: Record<string, string> = {};
  try {
    await waitFor(
      async () => {
        last = await verdicts(gate);
        return JSON.stringify(last) === JSON.stringify(want);
      },
      { timeoutMs: 30_000, intervalMs: 250, what },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last verdicts ${JSON.stringify(last)}`, { cause: error });
  }
}

async function inAlertmanager(alertname: string, node: string, state: 'active' | 'suppressed'): Promise<void> {
  await waitFor(
    async () =>
      (await monitoring.alertmanagerAlerts()).some(
        (a) => a.labels.alertname === alertname && a.labels.node === node && a.status.state === state,
      ),
    { what: `${alertname} for ${node} ${state} in Alertmanager` },
  );
}

const OPEN = { n1: 'open', n2: 'open' };
const HIGH_LOAD_N1 = { n1: 'prometheus-alerts: 1 active alert: HighLoad', n2: 'open' };

test('a firing blocking alert blocks its node, option on or off', async () => {
  await waitForVerdicts(gates.on, OPEN, 'open while nothing fires');
  exporter.set('test_load', { node: 'n1' }, 2);
  await monitoring.waitForAlert('HighLoad', 'firing');
  await inAlertmanager('HighLoad', 'n1', 'active');
  assert.deepEqual(await verdicts(gates.on), HIGH_LOAD_N1);
  assert.deepEqual(await verdicts(gates.off), HIGH_LOAD_N1);
});

test('silenced in Alertmanager: no longer blocks with the option on, still blocks with it off; expired: blocks again', async () => {
  const id = await monitoring.addSilence({ alertname: 'HighLoad', node: 'n1' }, 10 * 60_000, 'known, being handled');
  await inAlertmanager('HighLoad', 'n1', 'suppressed');
  await waitForVerdicts(gates.on, OPEN, 'the silenced alert no longer blocks');
  assert.deepEqual(await verdicts(gates.off), HIGH_LOAD_N1, 'without the option a silenced alert still blocks');

  // The silence covers n1 only: the same alert on n2 blocks n2.
  exporter.set('test_load', { node: 'n2' }, 2);
  await inAlertmanager('HighLoad', 'n2', 'active');
  assert.deepEqual(await verdicts(gates.on), { n1: 'open', n2: 'prometheus-alerts: 1 active alert: HighLoad' });
  exporter.set('test_load', { node: 'n2' }, 0);

  await monitoring.expireSilence(id);
  await inAlertmanager('HighLoad', 'n1', 'active');
  await waitForVerdicts(gates.on, HIGH_LOAD_N1, 'blocked again once the silence expired');
  exporter.set('test_load', { node: 'n1' }, 0);
  await waitForVerdicts(gates.on, OPEN, 'open after HighLoad resolved');
});

test('an inhibited alert counts as silenced; the inhibiting alert itself still blocks', async () => {
  exporter.set('test_disk_full', { node: 'n2' }, 1);
  await inAlertmanager('DiskFull', 'n2', 'active');
  await waitForVerdicts(gates.on, { n1: 'open', n2: 'prometheus-alerts: 1 active alert: DiskFull' }, 'DiskFull blocks n2');
  exporter.set('test_dc_down', { node: 'n2' }, 1);
  await inAlertmanager('DiskFull', 'n2', 'suppressed');
  await waitForVerdicts(
    gates.on,
    { n1: 'open', n2: 'prometheus-alerts: 1 active alert: DataCenterDown' },
    'DiskFull inhibited, DataCenterDown blocks',
  );
  assert.deepEqual(await verdicts(gates.off), { n1: 'open', n2: 'prometheus-alerts: 2 active alerts: DataCenterDown, DiskFull' });
  exporter.set('test_disk_full', { node: 'n2' }, 0);
  exporter.set('test_dc_down', { node: 'n2' }, 0);
  await waitForVerdicts(gates.off, OPEN, 'open after both resolved');
});

test('Alertmanager unreachable: blocked with the reason (fail closed), even with nothing firing', async () => {
  const v = await verdicts(gates.down);
  for (const node of nodes)
    assert.match(
      v[node]!,
      /^prometheus-alerts: cannot read silences from Alertmanager: Alertmanager http:\/\/127\.0\.0\.1:1\/ unreachable: .*ECONNREFUSED/,
    );
});
