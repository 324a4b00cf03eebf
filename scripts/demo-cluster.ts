// The demo's first act (until the end-to-end demo lands): a real local Kubernetes control plane
// with a few KWOK nodes in two zones and a workload guarded by a PodDisruptionBudget, shown with
// kubectl. Run through scripts/demo.sh, which installs and builds what is missing first.

import { execFileSync } from 'node:child_process';
import { binary } from '../test/harness/binaries.ts';
import { startCluster } from '../test/harness/cluster.ts';

const started = Date.now();
const cluster = await startCluster();
const stop = async () => {
  await cluster.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

try {
  const nodes = await cluster.createNodes(3, { prefix: 'worker', zones: ['zone-a', 'zone-b'] });
  const ns = await cluster.newNamespace('demo');
  await cluster.createDeployment(ns, 'web', { replicas: 3, labels: { app: 'web' } });
  await cluster.createPdb(ns, 'web', { selector: { app: 'web' }, maxUnavailable: 1 });
  const kubectl = (...args: string[]) => execFileSync(binary('kubectl'), ['--kubeconfig', cluster.kubeconfigPath, ...args], { encoding: 'utf8' });

  console.log(`\nLocal control plane up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${cluster.server}`);
  console.log('(kube-apiserver, etcd, kube-controller-manager, kube-scheduler and KWOK, all on 127.0.0.1)\n');
  console.log('$ kubectl get nodes -L topology.kubernetes.io/zone');
  console.log(kubectl('get', 'nodes', '-L', 'topology.kubernetes.io/zone'));
  console.log(`$ kubectl -n ${ns} get pods,pdb -o wide`);
  console.log(kubectl('-n', ns, 'get', 'pods,pdb', '-o', 'wide'));
  console.log(`Nodes: ${nodes.join(', ')}. Try it yourself while this runs:`);
  console.log(`  export KUBECONFIG=${cluster.kubeconfigPath}`);
  console.log(`  ${binary('kubectl')} drain ${nodes[0]} --ignore-daemonsets`);
  console.log('\nWhat comes next: kreboot\'s controller and agents run against this cluster, Prometheus fires');
  console.log('RebootRequired, Alertmanager posts it, and the controller cordons, drains and reboots one node at a');
  console.log('time (the end-to-end demo replaces this act once it lands).');
  if (process.stdin.isTTY) {
    console.log('\nPress Enter (or Ctrl-C) to stop the cluster.');
    process.stdin.once('data', () => void stop());
  } else {
    await stop();
  }
} catch (error) {
  await cluster.dumpLogs();
  await cluster.stop();
  throw error;
}
