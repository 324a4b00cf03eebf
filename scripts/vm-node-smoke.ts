// Smoke check of the real-node tier, outside `npm test`: starts a real cluster (default one VM
// node; `--nodes 2` boots two at once), runs a pod on the pause image, checks from the pod network
// that the kubernetes Service (10.96.0.1:443) reaches the API server, reads the pod's log through
// the API server (the kubelet CONNECT proxy), then reboots the first node from inside twice: with
// `systemctl reboot` through the guest agent, and as kreboot's agent does (a privileged hostPID
// pod running `nsenter -m/proc/1/ns/mnt -- /bin/systemctl reboot`). Each reboot is followed from
// the API (Ready condition, boot ID) until the Node is Ready with a new boot ID. Prints timings.
//
//   node scripts/vm-node-smoke.ts [--nodes N] [--keep]   (--keep: leave it running until Ctrl-C)

import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { nodeState, startRealCluster, type RealCluster } from '../test/harness/real-nodes/real-cluster.ts';
import type { VmNode } from '../test/harness/real-nodes/vm-node.ts';
import { sleep, waitFor } from '../test/harness/wait-for.ts';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '1' }, keep: { type: 'boolean', default: false } } });
const t0 = Date.now();
const stamp = () => `[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s]`;
const log = (line: string) => console.log(`${stamp()} ${line}`);
const timings: string[] = [];
const measure = (what: string, ms: number) => {
  const line = `${what}: ${(ms / 1000).toFixed(1)} s`;
  timings.push(line);
  log(line);
};

const BUSYBOX = 'kreboot.local/busybox:1';
const PAUSE = 'registry.k8s.io/pause:3.10.2';

function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Math.round(Number(match?.[1] ?? 0) / 1024);
}

function pod(name: string, nodeName: string, spec: Partial<NonNullable<V1Pod['spec']>>): V1Pod {
  return {
    metadata: { name, namespace: 'default' },
    spec: { nodeName, terminationGracePeriodSeconds: 5, containers: [], ...spec },
  };
}

async function podPhase(core: CoreV1Api, name: string): Promise<string> {
  return (await core.readNamespacedPod({ namespace: 'default', name })).status?.phase ?? 'Unknown';
}

/** Follows a Node from a reboot command until it is Ready with a new boot ID; logs each change of (Ready, reason). */
async function followReboot(cluster: RealCluster, node: VmNode, bootBefore: string, started: number, label: string): Promise<void> {
  let last = '';
  let notReadyAt: number | undefined;
  for (;;) {
    const state = await nodeState(cluster.info, node.name).catch(() => undefined);
    const now = Date.now() - started;
    if (state) {
      const summary = `${state.ready} ${state.reason} boot ${state.bootId.slice(0, 8)}`;
      if (summary !== last) log(`  ${node.name} +${(now / 1000).toFixed(1)} s: ${summary}`);
      last = summary;
      if (state.ready !== 'True' && notReadyAt === undefined) {
        notReadyAt = now;
        measure(`${label}: command → NotReady`, now);
      }
      if (state.ready === 'True' && state.bootId && state.bootId !== bootBefore) {
        measure(`${label}: command → Ready with a new boot ID`, now);
        return;
      }
    }
    if (now > 15 * 60_000) throw new Error(`${node.name} did not come back Ready with a new boot ID`);
    await sleep(1_000);
  }
}

const nodeCount = Number(values.nodes);
const setupStarted = Date.now();
const cluster = await startRealCluster({ nodes: nodeCount, onProgress: log });
measure(`real cluster set-up (${nodeCount} node(s), control plane + boot to Ready)`, Date.now() - setupStarted);
try {
  for (const node of cluster.nodes) log(`${node.name}: QEMU RSS ${rssMiB(node.pid)} MiB after Ready`);
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const node = cluster.nodes[0]!;

  let started = Date.now();
  await core.createNamespacedPod({
    namespace: 'default',
    body: pod('sleeper', node.name, { containers: [{ name: 'pause', image: PAUSE, imagePullPolicy: 'Never' }] }),
  });
  await waitFor(async () => (await podPhase(core, 'sleeper')) === 'Running', {
    timeoutMs: 300_000,
    intervalMs: 500,
    what: 'pod sleeper Running',
  });
  measure('pause pod: create → Running', Date.now() - started);

  // Pod network → kube-proxy's DNAT → 10.0.2.2:<port> → QEMU → the host's loopback API server.
  // busybox's TLS cannot talk to Go's, so speak plain HTTP to the HTTPS port: only Go's TLS server
  // answers that with "Client sent an HTTP request to an HTTPS server".
  started = Date.now();
  await core.createNamespacedPod({
    namespace: 'default',
    body: pod('service-probe', node.name, {
      restartPolicy: 'Never',
      containers: [
        {
          name: 'probe',
          image: BUSYBOX,
          imagePullPolicy: 'Never',
          command: [
            'sh',
            '-c',
            'for i in 1 2 3 4 5 6 7 8 9 10; do printf "GET / HTTP/1.0\\r\\n\\r\\n" | nc -w 5 10.96.0.1 443 | grep -q "HTTPS server" && echo "10.96.0.1:443 answers as the API server" && exit 0; sleep 3; done; exit 1',
          ],
        },
      ],
    }),
  });
  const phase = await waitFor(
    async () => {
      const p = await podPhase(core, 'service-probe');
      return p === 'Succeeded' || p === 'Failed' ? p : undefined;
    },
    { timeoutMs: 300_000, intervalMs: 500, what: 'pod service-probe to finish' },
  );
  measure(`kubernetes Service from the pod network: ${phase}`, Date.now() - started);
  const probeLog = await core.readNamespacedPodLog({ namespace: 'default', name: 'service-probe' });
  log(`service-probe log (through the API server's kubelet proxy): ${probeLog.replace(/\s+/g, ' ').slice(0, 160)}`);
  if (phase !== 'Succeeded') throw new Error('the kubernetes Service is not reachable from the pod network');

  // Reboot 1: systemctl reboot through the guest agent.
  let boot = (await nodeState(cluster.info, node.name))!.bootId;
  log(`reboot 1 (guest agent: systemctl reboot), boot ID before ${boot.slice(0, 8)}`);
  started = Date.now();
  await node.exec(['/bin/systemctl', 'reboot'], { detach: true });
  await followReboot(cluster, node, boot, started, 'reboot 1 (guest agent)');
  log(`bare pod sleeper after the reboot: ${await podPhase(core, 'sleeper')}`);

  // Reboot 2: kreboot's shipped reboot method, from a privileged hostPID pod.
  boot = (await nodeState(cluster.info, node.name))!.bootId;
  started = Date.now();
  await core.createNamespacedPod({
    namespace: 'default',
    body: pod('rebooter', node.name, {
      hostPID: true,
      restartPolicy: 'Never',
      containers: [
        {
          name: 'reboot',
          image: BUSYBOX,
          imagePullPolicy: 'Never',
          securityContext: { privileged: true },
          command: ['nsenter', '-m/proc/1/ns/mnt', '--', '/bin/systemctl', 'reboot'],
        },
      ],
    }),
  });
  log(`reboot 2 (pod: nsenter -m/proc/1/ns/mnt -- /bin/systemctl reboot), boot ID before ${boot.slice(0, 8)}`);
  await followReboot(cluster, node, boot, started, 'reboot 2 (nsenter pod)');
  log(`pod rebooter after the reboot: ${await podPhase(core, 'rebooter')}`);
  for (const n of cluster.nodes) log(`${n.name}: QEMU RSS ${rssMiB(n.pid)} MiB, boots ${n.boots.map((b) => b.slice(0, 8)).join(' ')}`);
  console.log(`\nTimings:\n${timings.map((t) => `  ${t}`).join('\n')}`);
} finally {
  if (values.keep) {
    // The harness kills its children when this process exits: keep it alive until Ctrl-C.
    log(`kept until Ctrl-C: KUBECONFIG=${cluster.kubeconfigPath}; QEMU PIDs ${cluster.nodes.map((n) => n.pid).join(' ')}`);
    const keepAlive = setInterval(() => {}, 60_000); // a signal listener alone does not keep Node running
    await new Promise((resolve) => process.once('SIGINT', resolve));
    clearInterval(keepAlive);
  }
  await cluster.stop();
}
