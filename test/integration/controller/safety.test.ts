// The safety invariants (docs/design.md) on the real control plane, each in a test that fails if the
// invariant is broken: pre-cordoned nodes stay cordoned, a PDB-blocked drain gives the node back,
// a node that never returns halts the rollout, a sentinel that stays set causes no reboot loop,
// kured's manual lock pauses everything, and a failing reboot command is reported and retried.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MERGE_PATCH } from '../../../src/kube/patch.ts';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { LOCK_DS, setUpWorld, waitForAllDone } from '../../harness/controller/controller-world.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

const phase = async (world: Awaited<ReturnType<typeof setUpWorld>>, node: string) => (await world.state(node))?.phase;

describe('safety', () => {
  it('a node an admin cordoned before stays cordoned after its reboot', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 2,
      required: 'all',
      preCordoned: [0],
      controllerArgs: ['--trigger=node', '--post-reboot-node-labels=patched=yes'],
    });
    await waitForAllDone(cluster, world, world.nodes);
    const preCordoned = await world.node(world.nodes[0]!);
    assert.equal(preCordoned.spec?.unschedulable, true, 'pre-cordoned node still cordoned');
    assert.equal(preCordoned.metadata?.labels?.patched, 'yes', 'post-reboot labels also on a node that stays cordoned (kured #1328)');
    assert.notEqual((await world.node(world.nodes[1]!)).spec?.unschedulable, true, 'the other node is schedulable');
    assert.match((await world.state(world.nodes[0]!))!.reason, /left cordoned/);
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('a drain blocked by a PDB times out, uncordons, releases the slot and retries later', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 2,
      required: [0],
      // Without the workload gate (on by default), which would hold the node before its drain while
      // the budget allows no disruption (workload-gate.test.ts): this is the drain's own timeout.
      controllerArgs: ['--trigger=node', '--drain-timeout=3s', '--retry-backoff=2s', '--workload-gate=false'],
      startController: false,
    });
    const nodeSelector = { 'kubernetes.io/hostname': world.nodes[0]! };
    await cluster.createDeployment(world.namespace, 'db', { replicas: 1, nodeSelector });
    await cluster.createPdb(world.namespace, 'db', { selector: { app: 'db' }, minAvailable: 1 });
    await world.startController();

    await cluster.waitFor(async () => (await world.state(world.nodes[0]!))?.phase === 'failed', {
      timeoutMs: 60_000,
      what: 'drain to fail',
    });
    const failed = (await world.state(world.nodes[0]!))!;
    assert.match(failed.reason, /drain did not finish.*PodDisruptionBudget/);
    assert.notEqual((await world.node(world.nodes[0]!)).spec?.unschedulable, true, 'uncordoned after the failed drain');
    const lock = (await cluster.apps.readNamespacedDaemonSet({ namespace: world.namespace, name: LOCK_DS })).metadata?.annotations?.[
      'weave.works/kured-node-lock'
    ];
    assert.ok(!lock || !lock.includes(world.nodes[0]!), 'slot released');
    assert.equal(world.agents.executed.get(world.nodes[0]!)?.length, 0, 'no reboot without a drain');
    // Retried after the back-off: it cordons and tries to drain again.
    await cluster.waitFor(
      async () => world.monitor.transitions().filter((line) => line.startsWith(`${world.nodes[0]} draining`)).length >= 2,
      { timeoutMs: 60_000, what: 'a second drain attempt' },
    );
    // The PDB is relaxed: the retry now succeeds.
    await cluster.policy.deleteNamespacedPodDisruptionBudget({ namespace: world.namespace, name: 'db' });
    await waitForAllDone(cluster, world, [world.nodes[0]!], 90_000);
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('a node that never comes back halts the rollout until resumed, and stays cordoned', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 3,
      required: 'all',
      behaviour: { 0: 'never-back' },
      controllerArgs: ['--trigger=node', '--reboot-timeout=3s'],
    });
    await cluster.waitFor(async () => (await world.controller.status()).halted !== null, { timeoutMs: 60_000, what: 'rollout halted' });
    const status = await world.controller.status();
    const stuck = status.halted!.node;
    assert.equal((await world.node(stuck)).spec?.unschedulable, true, 'the missing node stays cordoned');
    const done = world.nodes.filter((node) => node !== stuck);
    // Whatever was in flight may finish, but nothing new starts while halted: the controller decides
    // again (two more cycles) and still starts nothing.
    await world.waitForCycles(2, 'to start a node while halted');
    const started = await Promise.all(world.nodes.map((node) => phase(world, node)));
    assert.ok(
      started.filter((value) => value === 'queued' || value === 'waiting').length >= 1,
      `some node still waits: ${started.join(',')}`,
    );
    const waitingReason = (await world.controller.status()).nodes.find((node) => node.phase === 'waiting')?.reason ?? '';
    assert.match(waitingReason, /halted/);

    // The operator reboots the host by hand and resumes: the rollout completes.
    await world.agents.rebootByHand(stuck);
    const resumed = await world.controller.post('/api/v1/resume');
    assert.equal(resumed.status, 200);
    assert.deepEqual((resumed.body as { rearmed: string[] }).rearmed, [stuck]);
    await waitForAllDone(cluster, world, world.nodes, 60_000);
    assert.equal((await world.controller.status()).halted, null);
    assert.equal(world.agents.executed.get(stuck)?.length, 1, 'the stuck job was not run again');
    for (const node of done) assert.equal(world.agents.executed.get(node)?.length, 1);
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('a sentinel that stays set after the reboots is not rebooted again (no reboot loop)', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 1,
      required: 'all',
      behaviour: { 0: 'sentinel-stays' },
      controllerArgs: ['--trigger=node', '--max-reboot-attempts=2'],
    });
    const node = world.nodes[0]!;
    await cluster.waitFor(async () => (await world.state(node))?.phase === 'failed', { timeoutMs: 60_000, what: 'node given up' });
    assert.match((await world.state(node))!.reason, /still set after 2 reboots/);
    assert.equal(world.agents.executed.get(node)?.length, 2, 'rebooted exactly max-reboot-attempts times');
    assert.notEqual((await world.node(node)).spec?.unschedulable, true, 'uncordoned, usable');
    // The agent reports again that the sentinel is set (as it does every period); the controller
    // decides again and does not reboot.
    await world.agents.setRequired(node, true);
    await world.waitForCycles(2, 'to reboot again after the agent reported the sentinel still set');
    assert.equal(world.agents.executed.get(node)?.length, 2, 'no further reboot while the sentinel stays set');
    assert.equal((await world.state(node))?.phase, 'failed', 'still given up');
    // An operator can ask again explicitly.
    const asked = await world.controller.post('/api/v1/reboot', { node, reason: 'fixed the package' });
    assert.equal(asked.status, 202);
    await cluster.waitFor(() => (world.agents.executed.get(node)?.length ?? 0) >= 3, {
      timeoutMs: 30_000,
      what: 'operator-requested reboot',
    });
  });

  it("kured's manual lock pauses everything until it is removed", async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 2, required: 'all', controllerArgs: ['--trigger=node'], startController: false });
    const annotate = (value: string | null) =>
      cluster.apps.patchNamespacedDaemonSet(
        { namespace: world.namespace, name: LOCK_DS, body: { metadata: { annotations: { 'weave.works/kured-node-lock': value } } } },
        MERGE_PATCH,
      );
    await annotate('{"nodeID":"manual"}');
    await world.startController();
    await cluster.waitFor(async () => (await phase(world, world.nodes[0]!)) === 'waiting', { what: 'blocked by the manual lock' });
    assert.match((await world.state(world.nodes[0]!))!.reason, /manual/);
    await world.waitForCycles(2, 'to start a node under the manual lock');
    assert.equal(world.monitor.maxInFlight(), 0, 'nothing started while paused');
    const phases = await Promise.all(world.nodes.map((node) => phase(world, node)));
    assert.ok(
      phases.every((value) => value === 'queued' || value === 'waiting'),
      `both still wait: ${phases.join(',')}`,
    );
    await annotate(null);
    await waitForAllDone(cluster, world, world.nodes);
  });

  it('releases a holder whose Node was deleted, but never a holder of a live node it does not manage', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 1, required: 'all', controllerArgs: ['--trigger=node'], startController: false });
    const [outsider] = await cluster.createNodes(1, { prefix: 'outsider' });
    const holder = (nodeID: string, ours: boolean) =>
      JSON.stringify({
        nodeID,
        metadata: { unschedulable: false, ...(ours ? { holder: 'kreboot' } : {}) },
        created: new Date().toISOString(),
        TTL: 0,
      });
    const annotate = (value: string | null) =>
      cluster.apps.patchNamespacedDaemonSet(
        { namespace: world.namespace, name: LOCK_DS, body: { metadata: { annotations: { 'weave.works/kured-node-lock': value } } } },
        MERGE_PATCH,
      );

    // kured holds the lock for a live node outside --node-selector: that is a pause, not garbage.
    await annotate(holder(outsider!, false));
    await world.startController();
    await cluster.waitFor(async () => /lock held by/.test((await world.state(world.nodes[0]!))?.reason ?? ''), {
      what: 'held by the outsider',
    });
    await world.waitForCycles(2, "to release kured's holder of a live node");
    const lock = (await cluster.apps.readNamespacedDaemonSet({ namespace: world.namespace, name: LOCK_DS })).metadata?.annotations?.[
      'weave.works/kured-node-lock'
    ];
    assert.match(lock ?? '', new RegExp(outsider!), "kured's holder kept");

    // A kreboot holder whose Node no longer exists is released, and the rollout goes on.
    await annotate(holder('deleted-node-0', true));
    await waitForAllDone(cluster, world, world.nodes);
    await cluster.deleteNodes([outsider!]);
  });

  it('a failing reboot command is reported, the node given back, and retried', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 1,
      required: 'all',
      behaviour: { 0: 'fail-command' },
      controllerArgs: ['--trigger=node', '--retry-backoff=1s', '--max-reboot-attempts=2'],
    });
    const node = world.nodes[0]!;
    await cluster.waitFor(async () => (await world.state(node))?.phase === 'failed', {
      timeoutMs: 30_000,
      what: 'reboot failure recorded',
    });
    assert.match((await world.state(node))!.reason, /reboot command failed \(exit 1\): simulated reboot failure/);
    world.agents.setBehaviour(node, 'normal');
    await waitForAllDone(cluster, world, [node], 60_000);
    assert.equal(world.agents.executed.get(node)?.length, 2);
    assert.deepEqual(world.monitor.violations(), []);
  });
});
