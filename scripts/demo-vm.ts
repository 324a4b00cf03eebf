// `npm run demo -- --vm`: the demo on real nodes. Two Debian VMs under QEMU (containerd, kubelet,
// kube-proxy) join a local control plane; kreboot's image, built from the Dockerfile, is imported
// into each node's containerd and installed with `helm install` and the chart's defaults; a reboot
// sentinel is created inside both VMs, and the terminal follows the real reboots from the API
// server: cordon, drain, the agent's reboot command, the node NotReady, back with a new boot ID,
// uncordoned. Set-up takes minutes under software emulation, and prints its progress.

import { binary } from '../test/harness/binaries.ts';
import { imageArchive, IMAGE_REF } from '../test/harness/packaging/image.ts';
import { startRealCluster, type RealCluster } from '../test/harness/real-nodes/real-cluster.ts';
import { installWithHelm } from '../test/harness/real-nodes/install-kreboot.ts';
import { formatFigures, runRealRollout } from '../test/harness/real-nodes/real-rollout.ts';

const keep = process.argv.includes('--keep');
const began = Date.now();
const elapsed = () => `${((Date.now() - began) / 1000).toFixed(0).padStart(4)} s`;
const say = (text: string) => process.stdout.write(`${text}\n`);
const note = (text: string) => say(`[${elapsed()}] ${text}`);

let cluster: RealCluster | undefined;
let stopping = false;
async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    say('stopping the VMs and the control plane…');
    await cluster?.stop().catch(() => undefined);
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(130));
process.on('SIGTERM', () => void shutdown(143));

try {
  say('kreboot demo on real nodes: two VMs with containerd and a kubelet, kreboot installed with helm, both need a reboot');
  note(`kreboot image: ${imageArchive()}`);
  cluster = await startRealCluster({ nodes: 2, images: [imageArchive()], onProgress: note });
  const c = cluster;
  const names = c.nodes.map((n) => n.name);
  note(`nodes Ready: ${names.join(', ')}`);
  say(`  kubectl: ${binary('kubectl')} --kubeconfig ${c.kubeconfigPath} get nodes -L kreboot.dev/phase`);
  note('helm install kreboot deploy/helm/kreboot --namespace kreboot --create-namespace (the chart defaults)');
  await installWithHelm(c.kubeconfigPath, names);
  note('controller replicas and agents Ready; each agent reported its host');
  const result = await runRealRollout({ kubeconfigPath: c.kubeconfigPath, nodes: c.nodes, image: IMAGE_REF, onNote: note });

  say('\nsummary');
  say(formatFigures(result.figures));
  for (const [node, ids] of result.hostBootIds) say(`  ${node}: boot ID ${ids.before} → ${ids.after} (read inside the VM)`);
  say(
    `  nodes out at once: at most ${result.recorder.mostNodesOut()}; fewest Ready web pods: ${result.recorder.fewestReady()} (budget: 1); invariant breaks: ${result.recorder.violations.length}`,
  );
  const evicted = [...result.recorder.podNodes].filter(([pod]) => result.recorder.deletedPods.has(pod));
  say(`  controller replicas evicted by their own node's drain: ${evicted.map(([pod, node]) => `${pod} (${node})`).join(', ') || 'none'}`);
  say(`  rollout: ${result.rolloutSeconds} s from the sentinels to the last node uncordoned; ${elapsed().trim()} in all`);
  if (keep) {
    say('\nstill running (--keep): press Ctrl-C to stop');
    await new Promise(() => undefined);
  }
  await shutdown(0);
} catch (error) {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  if (cluster) process.stderr.write(`${await cluster.report().catch(() => '')}\n`);
  await shutdown(1);
}
