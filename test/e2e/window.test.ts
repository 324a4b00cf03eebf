// A maintenance window that is closed when the sentinel appears opens shortly after, and the
// reboot then proceeds. The window is a six-field cron (seconds first) opening about 25 s after the
// scenario is up, for 10 minutes, in UTC: the controller computes the opening itself.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type Cluster } from '../harness/cluster.ts';
import { printOnFailure } from '../harness/on-failure.ts';
import { startedAt } from '../harness/scenario/rollout-checks.ts';
import { startScenario, type Scenario } from '../harness/scenario/scenario.ts';

let cluster: Cluster;
let scenario: Scenario | undefined;

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await scenario?.stop();
  await cluster?.stop();
});

function cronAt(at: Date): string {
  return `${at.getUTCSeconds()} ${at.getUTCMinutes()} ${at.getUTCHours()} * * *`;
}

test('a window closed now opens shortly and the reboot then proceeds', async (t) => {
  // Scenario set-up takes ~20 s on this machine; the window opens 45 s after the start of it.
  const opensAt = new Date(Math.ceil((Date.now() + 45_000) / 1000) * 1000);
  scenario = await startScenario(cluster, { nodes: 2, controllerArgs: [`--maintenance-window=${cronAt(opensAt)} 10m`] });
  const s = scenario;
  t.after(() => printOnFailure(t, () => s.report()));
  assert.ok(Date.now() < opensAt.getTime() - 5_000, 'the scenario took too long to start for this test to mean anything');
  const node = s.nodes[0]!;
  s.host(node).requireReboot();
  await cluster.waitFor(
    async () => (await s.controller.status()).nodes.some((n) => n.name === node && n.phase === 'waiting' && /window/i.test(n.reason)),
    { timeoutMs: 30_000, what: `${node} waiting for the window` },
  );
  t.diagnostic(`waiting reason: ${(await s.controller.status()).nodes.find((n) => n.name === node)?.reason}`);
  assert.notEqual((await cluster.core.readNode({ name: node })).spec?.unschedulable, true);

  await s.waitRebooted([node], 120_000);
  assert.ok(
    startedAt(s, node) >= opensAt.getTime(),
    `cordoned at ${new Date(startedAt(s, node)).toISOString()}, before the window opened at ${opensAt.toISOString()}`,
  );
  t.diagnostic(`window opened ${opensAt.toISOString()}; cordoned ${startedAt(s, node) - opensAt.getTime()} ms later`);
});
