// The main scenario, the one the demo shows: five KWOK nodes with workloads, a real agent per
// node, real Prometheus and Alertmanager with the alertmanager/ files, the real controller and a
// chat sink. Three hosts get their reboot sentinel; kreboot reboots them one at a time with the
// PodDisruptionBudgets holding, every node ends schedulable with a new boot ID, and the chat holds
// the drain, reboot and uncordon messages in order.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startCluster, type Cluster } from '../harness/cluster.ts';
import { printOnFailure } from '../harness/on-failure.ts';
import { AGENT } from '../../src/store/keys.ts';
import { assertOneAtATime, assertPhasesInOrder, expectedMessages, lifecycleMessages, timings } from '../harness/scenario/rollout-checks.ts';
import { startScenario, type Scenario } from '../harness/scenario/scenario.ts';
import { BUDGETS } from '../harness/scenario/scenario-workloads.ts';

let cluster: Cluster;
let scenario: Scenario | undefined;

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await scenario?.stop();
  await cluster?.stop();
});

test('three nodes with the sentinel are rebooted one at a time, budgets holding, and the chat tells each step', async (t) => {
  scenario = await startScenario(cluster);
  const s = scenario;
  t.after(() => printOnFailure(t, () => s.report()));
  const chosen = s.nodes.slice(0, 3);
  const untouched = s.nodes.slice(3);
  const podsBefore = new Map(await Promise.all(chosen.map(async (node) => [node, await cluster.podsOnNode(s.namespace, node)] as const)));

  const sentinelAt = new Date();
  for (const node of chosen) s.host(node).requireReboot();
  await s.waitRebooted(chosen, 240_000);
  const finishedAt = new Date();
  await cluster.waitFor(() => chosen.every((node) => s.progress.firstAt(node, 'done')), { what: 'the status API to show every node done' });

  const order = assertOneAtATime(s, chosen);
  for (const node of chosen) assertPhasesInOrder(s, node);
  // Budgets held: never fewer Ready pods than each PDB allows.
  for (const budget of BUDGETS) {
    assert.ok(
      (s.budgets.minimumReady.get(budget.app) ?? 0) >= budget.minReady,
      `${budget.app}: ${s.budgets.minimumReady.get(budget.app)} Ready at worst, budget needs ${budget.minReady}`,
    );
  }
  // Workloads moved: no evictable pod that ran on a rebooted node before is still there; the bare pod was deleted.
  for (const node of chosen) {
    const now = new Set(await cluster.podsOnNode(s.namespace, node));
    const stayed = podsBefore.get(node)!.filter((pod) => now.has(pod) && !/^(kreboot-agent|log-shipper)-/.test(pod));
    assert.deepEqual(stayed, [], `pods never evicted from ${node}`);
  }
  await assert.rejects(
    cluster.core.readNamespacedPod({ namespace: s.namespace, name: 'debug-shell' }),
    'the bare pod was deleted by the drain',
  );
  for (const budget of BUDGETS) {
    await cluster.waitFor(
      async () =>
        (await cluster.apps.readNamespacedDeployment({ namespace: s.namespace, name: budget.app })).status?.readyReplicas ===
        budget.replicas,
      { what: `${budget.app} fully available again` },
    );
  }
  // Every node schedulable; the rebooted ones report the boot ID (and boot time) their host came back with, once.
  for (const node of s.nodes) {
    const seen = await cluster.core.readNode({ name: node });
    assert.notEqual(seen.spec?.unschedulable, true, `${node} schedulable`);
    const host = s.host(node);
    assert.equal(seen.metadata?.annotations?.[AGENT.bootId], host.bootIds.at(-1));
    assert.equal(
      seen.metadata?.annotations?.[AGENT.bootTime],
      host.bootTimes.at(-1)?.toISOString(),
      `${node} reports its current boot's time`,
    );
    assert.equal(host.reboots, chosen.includes(node) ? 1 : 0, `${node} reboots`);
  }
  for (const node of untouched) assert.equal(s.host(node).bootIds.length, 1);
  // The chat sink (checked like the real service) got the three messages per node, in rollout order.
  await cluster.waitFor(() => lifecycleMessages(s).length >= 9, { what: 'nine lifecycle messages' });
  assert.deepEqual(lifecycleMessages(s), expectedMessages(order));
  assert.deepEqual(s.chat.rejections, []);

  const perNode = timings(s, order, sentinelAt);
  t.diagnostic(`total ${finishedAt.getTime() - sentinelAt.getTime()} ms from the sentinels to the last node back`);
  for (const timing of perNode)
    t.diagnostic(`${timing.node}: sentinel→cordon ${timing.sentinelToCordonMs} ms, cordon→done ${timing.cordonToDoneMs} ms`);
});
