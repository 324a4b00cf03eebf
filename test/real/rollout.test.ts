// The real-node tier: two Debian VMs under QEMU running containerd and a kubelet joined to a local
// control plane; kreboot's image (built from the Dockerfile) imported into each node's containerd
// and installed as a user installs it, with `helm install` and the chart's defaults. A package
// upgrade's reboot sentinel is created inside both VMs; the agent pods run the shipped reboot
// method (nsenter into the host, systemctl reboot) and the VMs really reboot. Judged from the API
// server at every watch event and from inside the hosts. The next node waits for the workloads the
// last drain evicted (the workload gate, on by default: a replica that can run only on the node
// that was rebooted is Ready again before the other node is cordoned), and host hooks run on the
// real hosts before the drain and after the reboot (written there, read back from inside the VMs).
// The kustomize base is then installed on the same nodes and checked to run both roles.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { imageArchive, IMAGE_REF } from '../harness/packaging/image.ts';
import { startRealCluster, type RealCluster } from '../harness/real-nodes/real-cluster.ts';
import { printOnFailure } from '../harness/on-failure.ts';
import { deleteKustomize, installWithHelm, installWithKustomize, uninstallHelm } from '../harness/real-nodes/install-kreboot.ts';
import { formatFigures, runRealRollout, type RealRolloutResult } from '../harness/real-nodes/real-rollout.ts';
import { PINNED, WORKLOAD } from '../harness/real-nodes/real-workload.ts';

const log = (line: string) => process.stderr.write(`[real ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
let cluster: RealCluster;

// Under QEMU's software emulation a cold boot to Ready takes about two minutes and each reboot as
// long again; the limits are deadlines for a stuck run, far above what a run takes.
const MINUTE = 60_000;

/** Host hooks that leave the host's boot ID in a file: which boot each ran in (ADR 0019). */
const HOOK_FILES = { 'pre-drain': '/var/tmp/kreboot-hook-pre-drain', 'post-reboot': '/var/tmp/kreboot-hook-post-reboot' } as const;
const hookCommand = (file: string) => `/bin/sh -c 'cat /proc/sys/kernel/random/boot_id >> ${file}'`;

before(
  async () => {
    cluster = await startRealCluster({ nodes: 2, images: [imageArchive()], onProgress: log });
  },
  { timeout: 20 * MINUTE },
);

after(async () => {
  await cluster?.stop();
});

test(
  'helm install on real nodes: both nodes really reboot, one at a time, within the budget, and end Ready and uncordoned',
  { timeout: 45 * MINUTE },
  async (t) => {
    t.after(() => printOnFailure(t, () => cluster.report()));
    const names = cluster.nodes.map((n) => n.name);
    const installStarted = Date.now();
    await installWithHelm(cluster.kubeconfigPath, names, [
      '--set-string',
      `agent.preDrainHookCommand=${hookCommand(HOOK_FILES['pre-drain'])}`,
      '--set-string',
      `agent.postRebootHookCommand=${hookCommand(HOOK_FILES['post-reboot'])}`,
    ]);
    log(`helm install: both roles Ready on ${names.join(', ')} in ${((Date.now() - installStarted) / 1000).toFixed(0)} s`);

    const rollout: RealRolloutResult = await runRealRollout({
      kubeconfigPath: cluster.kubeconfigPath,
      nodes: cluster.nodes,
      image: IMAGE_REF,
      onNote: log,
    });
    const { recorder } = rollout;
    log(`rollout: ${rollout.rolloutSeconds} s from the sentinels to the last node uncordoned\n${formatFigures(rollout.figures)}`);

    assert.deepEqual(recorder.violations, [], 'an invariant broke at some watch event');
    assert.equal(recorder.mostNodesOut(), 1, 'exactly one node out at a time (and at least one went out)');
    assert.ok(recorder.fewestReady() >= WORKLOAD.minAvailable, `the budget held: fewest Ready ${recorder.fewestReady()}`);
    for (const name of names) {
      const timeline = recorder.timelines.get(name)!;
      assert.equal(timeline.bootIds.length, 2, `${name}: the API showed boot IDs ${timeline.bootIds.join(' → ')} (one reboot)`);
      const host = rollout.hostBootIds.get(name)!;
      assert.notEqual(host.after, host.before, `${name}: the host's own boot ID changed`);
      assert.equal(host.after, timeline.bootIds[1], `${name}: the host's boot ID is the one the kubelet reports`);
    }
    const [first, second] = rollout.order.map((name) => recorder.timelines.get(name)!);
    assert.ok(first!.uncordonedAt! <= second!.cordonedAt!, `${second!.node} was cordoned before ${first!.node} was back and uncordoned`);
    // The workload gate: the pinned replica evicted from the first node runs only there; the second
    // node was cordoned once it was Ready again, not as soon as the first node was uncordoned.
    assert.equal(
      second!.readyAtCordon?.get(PINNED.app),
      PINNED.replicas,
      `${second!.node} was cordoned while ${PINNED.app} had ${second!.readyAtCordon?.get(PINNED.app)} of ${PINNED.replicas} Ready`,
    );
    // The host hooks ran on each real host, once each, before the drain in the old boot and after
    // the reboot in the new one.
    for (const node of cluster.nodes) {
      const host = rollout.hostBootIds.get(node.name)!;
      const ran = async (file: string) => (await node.exec(['cat', file])).stdout.trim().split('\n').filter(Boolean);
      assert.deepEqual(await ran(HOOK_FILES['pre-drain']), [host.before], `${node.name}: the pre-drain host hook's runs (boot IDs)`);
      assert.deepEqual(await ran(HOOK_FILES['post-reboot']), [host.after], `${node.name}: the post-reboot host hook's runs (boot IDs)`);
    }

    // The controller ran on the nodes it rebooted: each replica on a drained node was evicted, and
    // the rollout still finished (the other replica, or the rescheduled one, carried on).
    const evicted = [...recorder.podNodes].filter(([pod]) => recorder.deletedPods.has(pod));
    log(
      `controller pods: ${[...recorder.podNodes].map(([pod, node]) => `${pod} on ${node}${recorder.deletedPods.has(pod) ? ' (evicted)' : ''}`).join(', ')}`,
    );
    assert.ok(
      evicted.some(([, node]) => node === first!.node),
      `a controller replica ran on ${first!.node} and was evicted by its own drain`,
    );
  },
);

test('the kustomize base runs both roles on the same real nodes', { timeout: 20 * MINUTE }, async (t) => {
  t.after(() => printOnFailure(t, () => cluster.report()));
  uninstallHelm(cluster.kubeconfigPath);
  const names = cluster.nodes.map((n) => n.name);
  const started = Date.now();
  await installWithKustomize(cluster.kubeconfigPath, names);
  log(`kustomize base: both roles Ready on ${names.join(', ')} in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  deleteKustomize(cluster.kubeconfigPath);
});
