// Topology-aware rollouts on the real control plane: 12 nodes in 3 zones, concurrency 3 and at
// most 1 node out per zone, control-plane nodes last (--node-order). Checked at every transition
// the API server reports: no zone ever has 2 nodes out, 3 zones do run in parallel, and every
// control-plane node starts after the workers of its zone. The dry-run plan, asked while the
// rollout is paused, shows the same waves. The same rollout at concurrency 1 gives the comparison.

import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { MERGE_PATCH } from '../../../src/kube/patch.ts';
import type { Forecast } from '../../../src/controller/policy/forecast.ts';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { LOCK_DS, readPlanOnceListed, setUpWorld, waitForAllDone } from '../../harness/controller/controller-world.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

const ZONE = 'topology.kubernetes.io/zone';
const CONTROL_PLANE = 'node-role.kubernetes.io/control-plane';
const zoneOfIndex = (index: number) => ['a', 'b', 'c'][index % 3]!;
/** Nodes 9, 10, 11 (one per zone) are control planes. */
const labels = Object.fromEntries(
  Array.from({ length: 12 }, (_, index) => [index, { [ZONE]: zoneOfIndex(index), ...(index >= 9 ? { [CONTROL_PLANE]: '' } : {}) }]),
);

async function rollout(t: TestContext, concurrencyArgs: string[]) {
  const perZone = concurrencyArgs.includes('--max-unavailable-per-zone=1') ? 1 : 12;
  const world = await setUpWorld(t, cluster, {
    nodes: 12,
    required: 'all',
    rebootMs: 1000,
    nodeLabels: labels,
    zones: { label: ZONE, maxPerZone: perZone },
    controllerArgs: ['--trigger=node', '--drain-grace-period=0', `--node-order=!${CONTROL_PLANE}`, ...concurrencyArgs],
    startController: false,
  });
  // Paused first, so the plan is read before anything moves.
  await cluster.apps.patchNamespacedDaemonSet(
    {
      namespace: world.namespace,
      name: LOCK_DS,
      body: { metadata: { annotations: { 'kreboot.dev/paused': JSON.stringify({ at: new Date().toISOString(), reason: 'plan first' }) } } },
    },
    MERGE_PATCH,
  );
  await world.startController();
  return world;
}

describe('topology-aware rollout', () => {
  it('12 nodes, 3 zones, concurrency 3, 1 per zone: zones in parallel, never 2 out in a zone, control planes last', async (t) => {
    const world = await rollout(t, ['--concurrency=3', '--max-unavailable-per-zone=1']);
    const zoneOf = (name: string) => zoneOfIndex(world.nodes.indexOf(name));
    const isControlPlane = (name: string) => world.nodes.indexOf(name) >= 9;

    await cluster.waitFor(async () => (await world.controller.status()).queue.length === 12, { what: 'all 12 nodes queued' });
    const plan = await readPlanOnceListed<Forecast>(cluster, world);
    assert.equal(plan.rolloutHeld?.gate, 'paused');
    assert.equal(plan.waves.length, 4, JSON.stringify(plan.waves));
    for (const wave of plan.waves) assert.deepEqual(wave.map(zoneOf).sort(), ['a', 'b', 'c'], `one node per zone in ${wave.join(', ')}`);
    assert.deepEqual(plan.waves[3]!.filter(isControlPlane).length, 3, 'the control planes form the last wave');
    assert.equal(plan.estimate.totalSeconds, null, 'no reboot measured yet');

    const began = Date.now();
    assert.equal((await world.controller.post('/api/v1/resume')).status, 200);
    await waitForAllDone(cluster, world, world.nodes, 180_000);
    t.diagnostic(`12 nodes, concurrency 3, 1 per zone: ${((Date.now() - began) / 1000).toFixed(1)} s from resume to the last node done`);

    assert.deepEqual(world.monitor.violations(), []);
    assert.equal(world.monitor.maxZonesAtOnce(), 3, 'the three zones did run in parallel');
    const started = world.monitor.started();
    for (const node of world.nodes.filter(isControlPlane)) {
      const workers = world.nodes.filter((other) => zoneOf(other) === zoneOf(node) && !isControlPlane(other));
      for (const worker of workers)
        assert.ok(
          started.indexOf(worker) < started.indexOf(node),
          `${worker} started before the control plane ${node}: ${started.join(', ')}`,
        );
    }
    for (const node of world.nodes) assert.equal(world.agents.executed.get(node)?.length, 1, `${node} rebooted once`);

    const after = (await (await fetch(`${world.controller.url}/api/v1/plan`)).json()) as Forecast;
    assert.equal(after.waves.length, 0);
    assert.equal(after.estimate.basedOn, 12, 'the estimate now rests on the 12 measured reboots');
  });

  it('a slot taken before the controller stopped, its cordon never written: that node counts in its zone (9 nodes, 3 per zone)', async (t) => {
    // The state a controller leaves when it is killed (or loses its cordon to a conflict) between
    // writing a node's slot and cordoning it: the node holds a slot and is still only requested.
    const world = await setUpWorld(t, cluster, {
      nodes: 9,
      required: 'all',
      rebootMs: 1000,
      nodeLabels: Object.fromEntries(Array.from({ length: 9 }, (_, index) => [index, { [ZONE]: zoneOfIndex(index) }])),
      zones: { label: ZONE, maxPerZone: 1 },
      controllerArgs: ['--drain-grace-period=0', '--concurrency=3', '--max-unavailable-per-zone=1'],
      startController: false,
    });
    const holder = world.nodes[6]!; // zone a, like nodes 0 and 3
    const lock = {
      maxOwners: 3,
      locks: [{ nodeID: holder, metadata: { unschedulable: false, holder: 'kreboot' }, created: new Date().toISOString(), TTL: 0 }],
    };
    const paused = JSON.stringify({ at: new Date().toISOString(), reason: 'requests first' });
    await cluster.apps.patchNamespacedDaemonSet(
      {
        namespace: world.namespace,
        name: LOCK_DS,
        body: { metadata: { annotations: { 'weave.works/kured-node-lock': JSON.stringify(lock), 'kreboot.dev/paused': paused } } },
      },
      MERGE_PATCH,
    );
    await world.startController();
    // The holder's request is the oldest, so it is decided before the other nodes of its zone.
    for (const node of [holder, ...world.nodes.filter((name) => name !== holder)]) {
      assert.equal((await world.controller.post('/api/v1/reboot', { node, reason: 'patch' })).status, 202);
      await cluster.waitFor(async () => (await world.controller.status()).queue.includes(node), { what: `${node} queued` });
    }
    assert.equal((await world.controller.post('/api/v1/resume')).status, 200);
    await waitForAllDone(cluster, world, world.nodes, 180_000);
    assert.deepEqual(world.monitor.violations(), [], `no zone ever had two nodes out:\n${world.monitor.transitions().join('\n')}`);
    assert.equal(world.monitor.started()[0], holder, `${holder} went first: ${world.monitor.started().join(', ')}`);
    for (const node of world.nodes) assert.equal(world.agents.executed.get(node)?.length, 1, `${node} rebooted once`);
  });

  it('the same 12 nodes at concurrency 1 (the comparison), control planes still last', async (t) => {
    const world = await rollout(t, ['--concurrency=1']);
    await cluster.waitFor(async () => (await world.controller.status()).queue.length === 12, { what: 'all 12 nodes queued' });
    const began = Date.now();
    assert.equal((await world.controller.post('/api/v1/resume')).status, 200);
    await waitForAllDone(cluster, world, world.nodes, 300_000);
    t.diagnostic(`12 nodes, concurrency 1: ${((Date.now() - began) / 1000).toFixed(1)} s from resume to the last node done`);
    assert.deepEqual(world.monitor.violations(), []);
    assert.equal(world.monitor.maxInFlight(), 1);
    assert.deepEqual(
      world.monitor
        .started()
        .slice(-3)
        .map((name) => world.nodes.indexOf(name))
        .sort((a, b) => a - b),
      [9, 10, 11],
      'the control planes went last',
    );
  });
});
