// The inhibit example works in a real Alertmanager: while KrebootNodeRebooting fires for n1, n1's
// node alerts are inhibited and n2's are not, and RebootRequired for n1 is never inhibited. The
// files pass amtool and promtool (with the rule's own unit test).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { startMonitoring, type Monitoring } from '../../harness/monitoring.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { debianTool, ROOT, run } from '../../harness/packaging/cli-tools.ts';

let monitoring: Monitoring;

before(async () => {
  monitoring = await startMonitoring({ alertmanagerConfig: readFileSync(`${ROOT}/alertmanager/inhibit-during-reboot.yml`, 'utf8') });
});
after(async () => {
  await monitoring?.stop();
});

it("amtool and promtool accept the example, and the rule's unit test passes", () => {
  const config = run(debianTool('amtool'), ['check-config', 'alertmanager/inhibit-during-reboot.yml']);
  assert.equal(config.code, 0, config.stderr + config.stdout);
  assert.match(config.stdout, /1 inhibit rules/);
  const rules = run(debianTool('promtool'), ['check', 'rules', 'alertmanager/rules-reboot-inhibit.yaml']);
  assert.equal(rules.code, 0, rules.stderr + rules.stdout);
  const unit = run(debianTool('promtool'), ['test', 'rules', 'alertmanager/rules-reboot-inhibit.test.yaml']);
  assert.equal(unit.code, 0, unit.stderr + unit.stdout);
});

it("a planned reboot of n1 inhibits n1's node alerts only, and never RebootRequired", async () => {
  const alert = (labels: Record<string, string>) => ({
    labels,
    startsAt: new Date().toISOString(),
    endsAt: new Date(Date.now() + 10 * 60_000).toISOString(),
  });
  const response = await fetch(`${monitoring.alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify([
      alert({ alertname: 'KrebootNodeRebooting', node: 'n1', severity: 'none' }),
      alert({ alertname: 'KubeNodeNotReady', node: 'n1', severity: 'warning' }),
      alert({ alertname: 'KubeNodeNotReady', node: 'n2', severity: 'warning' }),
      alert({ alertname: 'RebootRequired', node: 'n1', severity: 'info' }),
    ]),
  });
  assert.equal(response.status, 200, await response.text());
  const key = (a: { labels: Record<string, string> }) => `${a.labels.alertname}/${a.labels.node}`;
  const alerts = await waitFor(
    async () => {
      const all = await monitoring.alertmanagerAlerts();
      return all.length === 4 && all.some((a) => a.status.state === 'suppressed') ? all : undefined;
    },
    { timeoutMs: 20_000, what: 'Alertmanager to apply the inhibition' },
  );
  const states = Object.fromEntries(alerts.map((a) => [key(a), a.status.inhibitedBy.length > 0 ? 'inhibited' : a.status.state]));
  assert.deepEqual(states, {
    'KrebootNodeRebooting/n1': 'active',
    'KubeNodeNotReady/n1': 'inhibited',
    'KubeNodeNotReady/n2': 'active',
    'RebootRequired/n1': 'active',
  });
});
