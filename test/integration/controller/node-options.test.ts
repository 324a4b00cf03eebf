// kured's node options on a real rollout: the PreferNoSchedule taint on nodes waiting for a slot,
// pre- and post-reboot labels, kured's annotations under --annotate-nodes, and a drain limited to
// --drain-pod-selector (other pods stay where they are).

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { MERGE_PATCH } from '../../../src/kube/patch.ts';
import { setUpWorld, waitForAllDone } from '../../harness/controller/controller-world.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

describe("kured's node options", () => {
  it('taints waiting nodes, labels before and after, annotates like kured, and drains only selected pods', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 3,
      required: 'all',
      rebootMs: 1500,
      startController: false,
      controllerArgs: [
        '--trigger=node',
        '--prefer-no-schedule-taint=kreboot.dev/reboot-pending',
        '--pre-reboot-node-labels=kreboot.dev/rebooting=true',
        '--post-reboot-node-labels=kreboot.dev/rebooting=false,kreboot.dev/patched=yes',
        '--annotate-nodes',
        '--drain-pod-selector=drain=yes',
      ],
    });
    const target = world.nodes[0]!;
    await cluster.createBarePod(world.namespace, 'evict-me', { nodeName: target, labels: { drain: 'yes' } });
    await cluster.createBarePod(world.namespace, 'keep-me', { nodeName: target, labels: { drain: 'no' } });
    await world.startController();

    // While one node is in flight, the others wait for the slot with the taint.
    await cluster.waitFor(
      async () => {
        const status = await world.controller.status();
        const queued = status.nodes.filter((node) => node.phase === 'queued' && /free slot/.test(node.reason)).map((node) => node.name);
        for (const name of queued) {
          const node = await world.node(name);
          if (node.spec?.taints?.some((taint) => taint.key === 'kreboot.dev/reboot-pending' && taint.effect === 'PreferNoSchedule'))
            return true;
        }
        return false;
      },
      { what: 'a node queued for the slot, tainted PreferNoSchedule' },
    );
    const inFlight = await cluster.waitFor(async () => (await world.controller.status()).inFlight[0], { what: 'a node in flight' });
    const cordoned = await world.node(inFlight);
    assert.equal(cordoned.metadata?.labels?.['kreboot.dev/rebooting'], 'true', 'pre-reboot label');
    assert.ok(cordoned.metadata?.annotations?.['weave.works/kured-reboot-in-progress'], "kured's in-progress annotation");

    await waitForAllDone(cluster, world, world.nodes);
    for (const name of world.nodes) {
      const node = await world.node(name);
      assert.equal(node.spec?.taints?.some((taint) => taint.key === 'kreboot.dev/reboot-pending') ?? false, false, `${name} taint removed`);
      assert.equal(node.metadata?.labels?.['kreboot.dev/rebooting'], 'false', `${name} post-reboot label`);
      assert.equal(node.metadata?.labels?.['kreboot.dev/patched'], 'yes');
      assert.equal(node.metadata?.annotations?.['weave.works/kured-reboot-in-progress'], undefined, `${name} in-progress removed`);
      assert.ok(
        node.metadata?.annotations?.['weave.works/kured-most-recent-reboot-needed'],
        `${name} keeps kured's most-recent-reboot-needed`,
      );
    }
    await assert.rejects(cluster.core.readNamespacedPod({ namespace: world.namespace, name: 'evict-me' }), 'the selected pod was drained');
    const kept = await cluster.core.readNamespacedPod({ namespace: world.namespace, name: 'keep-me' });
    assert.equal(kept.spec?.nodeName, target, 'a pod outside --drain-pod-selector stays');
  });

  it('a node labelled out of --node-selector is never rebooted; asking for it says why', async (t) => {
    // The per-node opt-out documented in docs/controller.md: a label, and a selector that excludes it.
    const world = await setUpWorld(t, cluster, { nodes: 3, required: 'all', rebootMs: 500, startController: false });
    const [first, optedOut, last] = world.nodes as [string, string, string];
    await cluster.core.patchNode({ name: optedOut, body: { metadata: { labels: { 'kreboot.dev/no-reboot': 'true' } } } }, MERGE_PATCH);
    await world.startController(['--trigger=node', `--node-selector=${world.selector},!kreboot.dev/no-reboot`]);
    await waitForAllDone(cluster, world, [first, last], 60_000);
    const asked = await world.controller.post('/api/v1/reboot', { node: optedOut, reason: 'patch' });
    assert.equal(asked.status, 404, JSON.stringify(asked.body));
    assert.match(JSON.stringify(asked.body), /not selected by --node-selector/);
    await world.waitForCycles(2, 'cycles after the request');
    assert.equal(world.agents.executed.get(optedOut)?.length ?? 0, 0, 'the opted-out node was never rebooted');
    assert.notEqual((await world.node(optedOut)).spec?.unschedulable, true);
    assert.deepEqual(world.monitor.violations(), []);
  });
});
