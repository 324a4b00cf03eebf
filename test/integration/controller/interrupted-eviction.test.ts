// Why a node once sat two minutes in `draining` after controller kills (issue 12): a kill during an
// eviction can land after the API server recorded the pod in the budget's status.disruptedPods
// (the disruption approved and counted) and before it deleted the pod. Every eviction under that
// budget is then refused until the disruption controller drops the entry after its two-minute
// DeletionTimeout. The drain now completes such an approved eviction by deleting the pod.
// The interrupted eviction is reproduced exactly: the budget's status names a pod that is not
// being deleted, as the API server leaves it.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MERGE_PATCH } from '../../../src/kube/patch.ts';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { setUpWorld, waitForAllDone } from '../../harness/controller/controller-world.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

describe('drain after an interrupted eviction', () => {
  it('completes the approved eviction instead of waiting out the disruption controller', async (t) => {
    // The spare node starts cordoned (so both replicas land on the node to drain), then opens.
    const world = await setUpWorld(t, cluster, {
      nodes: 2,
      required: [0],
      preCordoned: [1],
      // The budget is exhausted by the interrupted eviction before the node starts: the workload
      // gate would hold the node; this is about the drain meeting such a budget.
      controllerArgs: ['--trigger=node', '--drain-grace-period=0', '--workload-gate=false'],
      startController: false,
    });
    const [draining, spare] = world.nodes as [string, string];
    await cluster.createDeployment(world.namespace, 'db', { replicas: 2, nodeSelector: { 'kreboot-test': world.namespace } });
    await cluster.setUnschedulable(spare, false);
    await cluster.createPdb(world.namespace, 'db', { selector: { app: 'db' }, minAvailable: 1 });
    const [victim] = await cluster.podsOnNode(world.namespace, draining, { app: 'db' });
    assert.ok(victim, 'a db pod runs on the node to drain');

    // What a controller killed mid-eviction leaves: the pod counted as disrupted, not deleted.
    await cluster.policy.patchNamespacedPodDisruptionBudgetStatus(
      { namespace: world.namespace, name: 'db', body: { status: { disruptedPods: { [victim]: new Date().toISOString() } } } },
      MERGE_PATCH,
    );
    await cluster.waitFor(
      async () =>
        (await cluster.policy.readNamespacedPodDisruptionBudget({ namespace: world.namespace, name: 'db' })).status?.disruptionsAllowed ===
        0,
      { what: 'the budget exhausted by the interrupted eviction' },
    );
    assert.equal(await cluster.evict(world.namespace, victim), 429, 'the API server refuses every eviction now');

    await world.startController();
    // Well under the disruption controller's two minutes.
    await waitForAllDone(cluster, world, [draining], 60_000);
    assert.equal(world.agents.executed.get(draining)?.length, 1);
    assert.deepEqual(world.monitor.violations(), []);
  });
});
