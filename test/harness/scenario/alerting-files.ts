// The repository's alertmanager/ files, as the end-to-end runs load them. Only what cannot hold on
// loopback or in a test's time budget is changed, through the parsed YAML (so a renamed rule or
// receiver fails loudly here instead of silently testing something else):
// - rules.yaml: RebootRequired's `for: 1m` becomes `for: 0s` (Prometheus evaluates every 1 s);
//   `extraRules` appends a test group (a blocking alert), leaving kreboot's group untouched;
// - alertmanager.yml: the kreboot route's group_wait 0s / group_interval 5m become 1s / 1s; the
//   receiver URL points at the controller on 127.0.0.1; credentials_file at the test's token file;
//   `remediationAlerts` are added to the route's alertname matcher, as its comment says to.
// Everything else (expr, labels, matchers, group_by, send_resolved, max_alerts, Bearer
// authorization from a file) is the files' own.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { REPO_ROOT } from '../binaries.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form YAML
type Yaml = any;

export interface ExtraRule {
  readonly alert: string;
  readonly expr: string;
  readonly labels?: Record<string, string>;
}

/** `shipped`: RebootRequired keeps the file's `for` (bench/shipped-defaults.ts). */
export function rulesForE2e(extraRules: readonly ExtraRule[] = [], shipped = false): string {
  const rules = load(readFileSync(join(REPO_ROOT, 'alertmanager/rules.yaml'), 'utf8')) as Yaml;
  const rule = rules.groups.flatMap((g: Yaml) => g.rules).find((r: Yaml) => r.alert === 'RebootRequired');
  if (!rule) throw new Error('alertmanager/rules.yaml has no RebootRequired rule');
  if (!shipped) rule.for = '0s';
  if (extraRules.length > 0) rules.groups.push({ name: 'e2e-blockers', rules: extraRules.map((r) => ({ ...r, for: '0s' })) });
  return dump(rules);
}

/** `shipped`: the route's timers stay the file's (bench/shipped-defaults.ts); only the address and token change. */
export function alertmanagerForE2e(
  controllerUrl: string,
  tokenFile: string,
  shipped = false,
  remediationAlerts: readonly string[] = [],
): string {
  const config = load(readFileSync(join(REPO_ROOT, 'alertmanager/alertmanager.yml'), 'utf8')) as Yaml;
  const route = config.route.routes.find((r: Yaml) => r.receiver === 'kreboot');
  if (!route) throw new Error('alertmanager/alertmanager.yml has no route to the kreboot receiver');
  if (remediationAlerts.length > 0) {
    if (!route.matchers?.includes('alertname = "RebootRequired"'))
      throw new Error('the kreboot route no longer matches RebootRequired alone');
    route.matchers = [`alertname =~ "${['RebootRequired', ...remediationAlerts].join('|')}"`];
  }
  if (!shipped) Object.assign(route, { group_wait: '1s', group_interval: '1s' });
  const hook = config.receivers.find((r: Yaml) => r.name === 'kreboot')?.webhook_configs?.[0];
  if (!hook) throw new Error('alertmanager/alertmanager.yml has no kreboot webhook receiver');
  const url = new URL(hook.url);
  hook.url = `${controllerUrl}${url.pathname}`;
  hook.http_config.authorization.credentials_file = tokenFile;
  return dump(config);
}
