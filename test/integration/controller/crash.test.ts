// Progress lives in the API server: the controller is killed with SIGKILL while a node is in each
// phase, a new controller starts, and the node still finishes correctly — rebooted exactly once,
// uncordoned, the slot released, never more nodes in flight than allowed. Then two replicas run
// side by side and together never exceed the concurrency.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parseLock } from '../../../src/store/lock-record.ts';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { LOCK_DS, setUpWorld, waitForAllDone, type World } from '../../harness/controller/controller-world.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

async function assertFinishedCleanly(world: World): Promise<void> {
  assert.deepEqual(world.monitor.violations(), []);
  assert.ok(world.monitor.maxInFlight() <= 1, `max in flight ${world.monitor.maxInFlight()}`);
  for (const node of world.nodes) {
    assert.equal(world.agents.executed.get(node)?.length, 1, `${node} rebooted exactly once`);
    assert.notEqual((await world.node(node)).spec?.unschedulable, true, `${node} schedulable`);
  }
  const lock = (await cluster.apps.readNamespacedDaemonSet({ namespace: world.namespace, name: LOCK_DS })).metadata?.annotations?.[
    'weave.works/kured-node-lock'
  ];
  assert.deepEqual(parseLock(lock)?.holders ?? [], [], 'slot released');
}

const cases: Array<{ phase: string; args: string[]; rebootMs?: number; firstCheckMs?: number; withPdb?: boolean }> = [
  { phase: 'cordoned', args: ['--drain-delay=3s'] },
  // The budget holds the drain so the kill lands in it; the workload gate would hold the node before.
  { phase: 'draining', args: ['--workload-gate=false'], withPdb: true },
  { phase: 'rebooting', args: [], rebootMs: 3000 },
  { phase: 'verifying', args: [], firstCheckMs: 3000 },
];

describe('controller killed with SIGKILL', () => {
  for (const testCase of cases) {
    it(`in phase ${testCase.phase}: a new controller finishes the node correctly`, async (t) => {
      const world = await setUpWorld(t, cluster, {
        nodes: 2,
        required: 'all',
        controllerArgs: ['--trigger=node', '--drain-grace-period=0', ...testCase.args],
        startController: false,
        ...(testCase.rebootMs ? { rebootMs: testCase.rebootMs } : {}),
        ...(testCase.firstCheckMs ? { firstCheckMs: testCase.firstCheckMs } : {}),
      });
      if (testCase.withPdb) {
        await cluster.createDeployment(world.namespace, 'db', { replicas: 2, nodeSelector: { 'kreboot-test': world.namespace } });
        await cluster.createPdb(world.namespace, 'db', { selector: { app: 'db' }, minAvailable: 2 });
      }
      const first = await world.startController();
      const victim = await cluster.waitFor(
        () =>
          world.monitor
            .transitions()
            .find((line) => line.split(' ')[1] === testCase.phase)
            ?.split(' ')[0],
        { timeoutMs: 60_000, intervalMs: 20, what: `a node in phase ${testCase.phase}` },
      );
      await first.kill();
      t.diagnostic(`killed the controller with ${victim} in ${(await world.state(victim))?.phase}`);
      if (testCase.withPdb) await cluster.policy.deleteNamespacedPodDisruptionBudget({ namespace: world.namespace, name: 'db' });
      await world.startController();
      await waitForAllDone(cluster, world, world.nodes);
      await assertFinishedCleanly(world);
    });
  }
});

describe('two replicas', () => {
  it('never exceed the concurrency together, and a standby takes over when the leader dies', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 5,
      required: 'all',
      controllerArgs: ['--trigger=node', '--concurrency=2'],
      startController: false,
      rebootMs: 500,
    });
    const a = await world.startController(undefined, 'replica-a');
    const b = await world.startController(undefined, 'replica-b');
    // Both serve the status API; exactly one leads.
    await cluster.waitFor(async () => [await a.status(), await b.status()].filter((status) => status.leader).length === 1, {
      what: 'one leader',
    });
    await cluster.waitFor(() => world.monitor.transitions().some((line) => line.includes(' rebooting ')), { what: 'first reboot' });
    const leader = (await a.status()).leader ? a : b;
    await leader.kill();
    await waitForAllDone(cluster, world, world.nodes, 120_000);
    assert.deepEqual(world.monitor.violations(), []);
    assert.ok(world.monitor.maxInFlight() <= 2, `max in flight ${world.monitor.maxInFlight()}`);
    for (const node of world.nodes) assert.equal(world.agents.executed.get(node)?.length, 1, `${node} rebooted once`);
  });
});
