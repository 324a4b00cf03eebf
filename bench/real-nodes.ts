// Real reboots, timed: two VM nodes (test/harness/real-nodes/real-cluster.ts), the same workload and the same
// sentinels, first with kreboot installed by `helm install` with the chart's defaults, then — when
// given kured's image archive and chart folder — with kured on the same VMs in the same run (its
// chart's defaults plus --period). Prints, per node: sentinel → cordon, cordon → reboot command,
// reboot command → Ready, Ready → uncordoned, the total and the reboot controller's own overhead
// (the total minus the node's own reboot time), and the controllers' memory on the nodes.
//
//   node bench/real-nodes.ts [--kured-image=ARCHIVE --kured-chart=DIR [--kured-period=1m]]
//
// kured's image and chart are not part of this repository (built from kubereboot/kured's source
// and taken from kubereboot/charts, docs/performance.md says which versions).

import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parseArgs } from 'node:util';
import { imageArchive, IMAGE_REF } from '../test/harness/packaging/image.ts';
import { startRealCluster, type RealCluster } from '../test/harness/real-nodes/real-cluster.ts';
import { waitFor } from '../test/harness/wait-for.ts';
import { helm, run } from '../test/harness/packaging/cli-tools.ts';
import { installWithHelm, uninstallHelm } from '../test/harness/real-nodes/install-kreboot.ts';
import {
  formatFigures,
  runRealRollout,
  WORKLOAD_NAMESPACE,
  type GuestNode,
  type RealRolloutResult,
} from '../test/harness/real-nodes/real-rollout.ts';

const { values } = parseArgs({
  options: {
    'kured-image': { type: 'string' },
    'kured-chart': { type: 'string' },
    'kured-period': { type: 'string', default: '1m' },
  },
});
const log = (line: string) => process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** Resident memory of the processes whose command line matches, summed per node (read in the guest's process table). */
async function residentMiB(nodes: readonly GuestNode[], pattern: RegExp): Promise<string> {
  const parts: string[] = [];
  for (const node of nodes) {
    const { stdout } = await node.exec(['ps', '-eo', 'rss=,args=']);
    const lines = stdout.split('\n').filter((line) => pattern.test(line));
    const kib = lines.reduce((sum, line) => sum + Number(line.trim().split(/\s+/)[0]), 0);
    parts.push(`${node.name}: ${(kib / 1024).toFixed(0)} MiB in ${lines.length} process(es)`);
  }
  return parts.join('; ');
}

async function deleteWorkload(kubeconfigPath: string): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  await core.deleteNamespace({ name: WORKLOAD_NAMESPACE });
  await waitFor(
    async () => {
      try {
        await core.readNamespace({ name: WORKLOAD_NAMESPACE });
        return false;
      } catch {
        return true;
      }
    },
    { timeoutMs: 300_000, intervalMs: 1_000, what: `namespace ${WORKLOAD_NAMESPACE} deleted` },
  );
}

/**
 * kured logs `Invoking command: [... systemctl reboot]` just before it runs the reboot command; the
 * line is in the pod's log file in the guest (CRI format: an RFC 3339 time first, guest clock).
 */
async function kuredRebootCommandAt(node: GuestNode): Promise<number | undefined> {
  const { stdout } = await node.exec(['sh', '-c', 'cat /var/log/pods/kube-system_kured-*/kured/*.log 2>/dev/null']);
  const line = stdout.split('\n').find((l) => /Invoking command/.test(l) && /reboot/.test(l));
  return line ? Date.parse(line.split(' ')[0]!) : undefined;
}

function summary(name: string, result: RealRolloutResult): string {
  return [
    `${name}: rollout ${result.rolloutSeconds} s, order ${result.order.join(' → ')}, most nodes out at once ${result.recorder.mostNodesOut()}, fewest Ready web pods ${result.recorder.fewestReady()}, invariant breaks ${result.recorder.violations.length}`,
    formatFigures(result.figures),
    ...result.recorder.violations.map((v) => `  invariant broken at ${new Date(v.at).toISOString()}: ${v.what}`),
  ].join('\n');
}

let cluster: RealCluster | undefined;
try {
  const kured = values['kured-image'] && values['kured-chart'] ? { image: values['kured-image'], chart: values['kured-chart'] } : undefined;
  const setUp = Date.now();
  cluster = await startRealCluster({ nodes: 2, images: [imageArchive(), ...(kured ? [kured.image] : [])], onProgress: log });
  const names = cluster.nodes.map((n) => n.name);
  log(`two real nodes Ready in ${((Date.now() - setUp) / 1000).toFixed(0)} s`);

  const installStarted = Date.now();
  await installWithHelm(cluster.kubeconfigPath, names);
  log(`kreboot installed (helm, chart defaults) and Ready in ${((Date.now() - installStarted) / 1000).toFixed(0)} s`);
  const krebootMemory = await residentMiB(cluster.nodes, /kreboot(-agent)?\.cjs/);
  const kreboot = await runRealRollout({ kubeconfigPath: cluster.kubeconfigPath, nodes: cluster.nodes, image: IMAGE_REF, onNote: log });
  const results = [summary('kreboot', kreboot), `kreboot memory after install: ${krebootMemory}`];
  log(results.join('\n'));

  if (kured) {
    uninstallHelm(cluster.kubeconfigPath);
    await deleteWorkload(cluster.kubeconfigPath);
    const period = values['kured-period'];
    const installed = run(helm(), [
      'install',
      'kured',
      kured.chart,
      '--kubeconfig',
      cluster.kubeconfigPath,
      '--namespace',
      'kube-system',
      '--set',
      `configuration.period=${period}`,
      '--wait',
      '--timeout',
      '600s',
    ]);
    if (installed.code !== 0) throw new Error(`helm install kured: ${installed.stderr}`);
    log(`kured installed (its chart's defaults, --period=${period})`);
    const kuredMemory = await residentMiB(cluster.nodes, /\/usr\/bin\/kured/);
    const result = await runRealRollout({
      kubeconfigPath: cluster.kubeconfigPath,
      nodes: cluster.nodes,
      image: IMAGE_REF,
      onNote: log,
      followControllerPods: false,
      rebootCommandAt: kuredRebootCommandAt,
    });
    results.push(summary(`kured (--period=${period})`, result), `kured memory after install: ${kuredMemory}`);
  }
  process.stdout.write(`\n${results.join('\n\n')}\n`);
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
} finally {
  await cluster?.stop();
}
