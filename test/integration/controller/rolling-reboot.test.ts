// A rolling reboot on the real control plane: six nodes with workloads and a PDB, concurrency 2.
// The flight monitor checks at every transition that never more than two nodes are in flight and
// that no node is cordoned without a record; at the end every node is back, schedulable, rebooted
// exactly once, and the workloads were moved off each node before its reboot.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { parseLock } from '../../../src/store/lock-record.ts';
import { setUpWorld, waitForAllDone } from '../../harness/controller/controller-world.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

describe('rolling reboot', () => {
  it('reboots six nodes two at a time, respecting the PDB, and leaves all schedulable', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 6,
      required: 'all',
      controllerArgs: ['--concurrency=2', '--trigger=node', '--drain-grace-period=0'],
      startController: false,
    });
    const nodeSelector = { 'kreboot-test': world.namespace };
    await cluster.createDeployment(world.namespace, 'web', { replicas: 6, nodeSelector });
    await cluster.createPdb(world.namespace, 'web', { selector: { app: 'web' }, maxUnavailable: 1 });
    await cluster.createBarePod(world.namespace, 'lonely', { nodeName: world.nodes[0]! });
    const bootsBefore = world.nodes.map((node) => world.agents.bootId(node));

    const started = Date.now();
    await world.startController();
    await waitForAllDone(cluster, world, world.nodes);
    t.diagnostic(`6 nodes rebooted in ${Date.now() - started} ms`);

    assert.deepEqual(world.monitor.violations(), []);
    assert.equal(world.monitor.maxInFlight(), 2, 'two slots used, never more');
    for (const [index, name] of world.nodes.entries()) {
      const node = await world.node(name);
      assert.notEqual(node.spec?.unschedulable, true, `${name} is schedulable again`);
      assert.notEqual(world.agents.bootId(name), bootsBefore[index], `${name} has a new boot ID`);
      assert.equal(world.agents.executed.get(name)?.length, 1, `${name} rebooted exactly once`);
    }
    // The bare pod was deleted (kured's Force); the Deployment is whole again.
    await assert.rejects(cluster.core.readNamespacedPod({ namespace: world.namespace, name: 'lonely' }));
    await cluster.waitFor(
      async () => (await cluster.apps.readNamespacedDeployment({ namespace: world.namespace, name: 'web' })).status?.readyReplicas === 6,
      { what: 'web back to 6 ready replicas' },
    );
    const lock = (await cluster.apps.readNamespacedDaemonSet({ namespace: world.namespace, name: 'kreboot-agent' })).metadata
      ?.annotations?.['weave.works/kured-node-lock'];
    assert.deepEqual(parseLock(lock)?.holders, [], 'every slot was released');
    const status = await world.controller.status();
    assert.deepEqual(status.inFlight, []);
    assert.deepEqual(status.queue, []);
  });
});
