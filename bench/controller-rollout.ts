// Benchmark: one rolling reboot of N KWOK nodes by the real controller process on a private control
// plane whose API server writes an audit log for the controller's ServiceAccount only. Reports the
// total time, time per node, the gap between one node finishing and the next starting, the API
// requests the controller made per rebooted node (by verb and resource, with and without the leader
// Lease, whose renewals depend on time rather than nodes), the Node patches by what they wrote
// (read from the audit log's request bodies), the Events by reason, and its memory.
//
//   node bench/controller-rollout.ts [--nodes=10] [--concurrency=1] [--workload-gate=true] [--lease-duration=15s]
//
// --lease-duration defaults to the shipped 15 s (the test launcher's 3 s renews five times as often).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLUSTER_ENV } from '../test/harness/cluster-info.ts';
import { startCluster } from '../test/harness/cluster.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';
import { startControllerProcess } from '../test/harness/controller/controller-process.ts';
import { startFlightMonitor } from '../test/harness/controller/flight-monitor.ts';
import { startTestAgents } from '../test/harness/agent/fake-agents.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** What each kind of request is for (docs/controller.md, "Measured"). */
const PURPOSE: Record<string, string> = {
  'patch nodes': 'the node records: cordon, drain start (with the workload record), reboot job, verifying, done',
  'create events': 'Events on the node (observe/transitions.ts says which steps)',
  'update leases': 'leader Lease renewals: every --lease-duration/5, time not nodes',
  'get leases': 'leader election start',
  'create leases': 'leader election start',
  'patch daemonsets': 'the lock: take a slot, give it back',
  'list pods': 'drain passes (field selector spec.nodeName): the first, and the one that finds the node empty',
  'create pods/eviction': 'one per evicted pod',
  'delete pods': 'bare pods, or an eviction approved but interrupted',
  'list nodes': 'the Node informer (once per process)',
  'watch nodes': 'the Node informer (once per process, renewed every few minutes)',
  'list daemonsets': 'the lock DaemonSet informer and the workload gate (once per process)',
  'watch daemonsets': 'the lock DaemonSet informer and the workload gate (once per process)',
  'list replicasets': 'the workload gate (once per process)',
  'watch replicasets': 'the workload gate (once per process)',
  'list statefulsets': 'the workload gate (once per process)',
  'watch statefulsets': 'the workload gate (once per process)',
  'list poddisruptionbudgets': 'the workload gate (once per process)',
  'watch poddisruptionbudgets': 'the workload gate (once per process)',
};

/** A Node patch by what it wrote: the phase of the state record it carries, and the other records. */
function nodePatchKind(body: { metadata?: { annotations?: Record<string, string | null> } } | undefined): string {
  const annotations = body?.metadata?.annotations ?? {};
  const parts: string[] = [];
  const state = annotations['kreboot.dev/state'];
  if (typeof state === 'string') parts.push(`state ${(JSON.parse(state) as { phase?: string }).phase ?? '?'}`);
  if ('kreboot.dev/evicted-workloads' in annotations) parts.push('evicted-workloads');
  if ('kreboot.dev/reboot-job' in annotations && annotations['kreboot.dev/reboot-job'] !== null) parts.push('reboot job');
  return parts.length > 0 ? parts.join(' + ') : `other (${Object.keys(annotations).join(', ') || 'no annotation'})`;
}

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '1' },
    'workload-gate': { type: 'string', default: 'true' },
    'lease-duration': { type: 'string', default: '15s' },
  },
});
const count = Number(values.nodes);
const concurrency = Number(values.concurrency);
const workloadGate = values['workload-gate'];
const leaseDuration = values['lease-duration'];

const auditDir = mkdtempSync(join(tmpdir(), 'kreboot-audit-'));
const policy = join(auditDir, 'policy.yaml');
const auditLog = join(auditDir, 'audit.log');
const controllerUser = 'system:serviceaccount:kreboot-bench:kreboot-controller';
writeFileSync(
  policy,
  `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
  - level: Request
    users: ["${controllerUser}"]
    verbs: ["patch"]
    resources: [{ group: "", resources: ["nodes"] }]
  - level: Metadata
    users: ["${controllerUser}"]
  - level: None
`,
);

const controlPlane = await startControlPlane({
  extraApiServerArgs: [`--audit-policy-file=${policy}`, `--audit-log-path=${auditLog}`, '--audit-log-format=json'],
});
process.env[CLUSTER_ENV] = join(controlPlane.info.dir, 'cluster.json');
const cluster = await startCluster();
try {
  await cluster.core.createNamespace({ body: { metadata: { name: 'kreboot-bench' } } });
  await cluster.grant(
    'kreboot-bench',
    'kreboot-controller',
    [
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete'] },
      { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
      { apiGroups: [''], resources: ['events'], verbs: ['create'] },
      { apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['get', 'list', 'watch', 'patch'] },
      // The workload gate's watches (on by default).
      { apiGroups: ['apps'], resources: ['replicasets', 'statefulsets', 'daemonsets'], verbs: ['list', 'watch'] },
      { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['list', 'watch'] },
      { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
    ],
    'cluster',
  );
  const kubeconfig = await cluster.serviceAccountKubeconfig('kreboot-bench', 'kreboot-controller');
  const namespace = 'kreboot-bench';
  const selector = 'kreboot-bench=true';
  const nodes = await cluster.createNodes(count, { labels: { 'kreboot-bench': 'true' }, prefix: 'bench' });
  await cluster.createDaemonSet(namespace, 'kreboot-agent', { tolerations: [{ operator: 'Exists' }] });
  await cluster.createDeployment(namespace, 'web', { replicas: count, nodeSelector: { 'kreboot-bench': 'true' } });
  await cluster.createPdb(namespace, 'web', { selector: { app: 'web' }, maxUnavailable: 1 });
  const agents = await startTestAgents(cluster.kc, nodes, { required: nodes, labelSelector: selector, rebootMs: 1000 });
  const monitor = await startFlightMonitor(cluster.kc, { labelSelector: selector });

  const started = Date.now();
  const controller = await startControllerProcess({
    kubeconfigPath: kubeconfig,
    namespace,
    dsName: 'kreboot-agent',
    nodeSelector: selector,
    args: [
      `--concurrency=${concurrency}`,
      '--trigger=node',
      '--drain-grace-period=0',
      `--workload-gate=${workloadGate}`,
      `--lease-duration=${leaseDuration}`,
    ],
  });
  await cluster.waitFor(async () => (await controller.status()).nodes.filter((node) => node.phase === 'done').length === count, {
    timeoutMs: 20 * 60_000,
    intervalMs: 200,
    what: 'all nodes done',
  });
  const totalMs = Date.now() - started;
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${controller.proc.pid}/status`, 'utf8'))?.[1]);

  // Gaps: from a node's "done" to the next node's "cordoned", from the controller's own log.
  const transitions = readFileSync(controller.proc.logPath, 'utf8')
    .split('\n')
    .filter((line) => line.includes('"node transition"'))
    .map((line) => JSON.parse(line) as { time: string | number; node: string; phase: string })
    .map((entry) => ({ ...entry, time: typeof entry.time === 'number' ? entry.time : Date.parse(entry.time) }));
  const gaps: number[] = [];
  for (const done of transitions.filter((entry) => entry.phase === 'done')) {
    const next = transitions.find((entry) => entry.phase === 'cordoned' && entry.time >= done.time);
    if (next) gaps.push(next.time - done.time);
  }
  await controller.stop();
  await agents.stop();
  await monitor.stop();

  // The Events the controller recorded on the bench's nodes, by reason.
  const eventList = await cluster.core.listNamespacedEvent({ namespace: 'default' });
  const eventsByReason = new Map<string, number>();
  for (const event of eventList.items) {
    if (event.source?.component !== 'kreboot-controller' || !nodes.includes(event.involvedObject.name ?? '')) continue;
    eventsByReason.set(event.reason ?? '?', (eventsByReason.get(event.reason ?? '?') ?? 0) + (event.count ?? 1));
  }

  const events = readFileSync(auditLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(
      (line) =>
        JSON.parse(line) as {
          verb: string;
          objectRef?: { resource?: string; subresource?: string };
          user: { username: string };
          requestObject?: { metadata?: { annotations?: Record<string, string | null> }; spec?: unknown };
        },
    );
  const byKind = new Map<string, number>();
  const nodePatches = new Map<string, number>();
  for (const event of events) {
    if (event.user.username !== controllerUser) continue;
    const key = `${event.verb} ${event.objectRef?.resource ?? '?'}${event.objectRef?.subresource ? `/${event.objectRef.subresource}` : ''}`;
    byKind.set(key, (byKind.get(key) ?? 0) + 1);
    if (key === 'patch nodes') {
      const what = nodePatchKind(event.requestObject);
      nodePatches.set(what, (nodePatches.get(what) ?? 0) + 1);
    }
  }
  const total = [...byKind.values()].reduce((a, b) => a + b, 0);
  const leases = [...byKind.entries()].filter(([key]) => key.endsWith(' leases')).reduce((a, [, n]) => a + n, 0);
  const perNode = (n: number) => Number((n / count).toFixed(2));
  const sortedGaps = gaps.sort((a, b) => a - b);
  const result = {
    nodes: count,
    concurrency,
    totalSeconds: totalMs / 1000,
    secondsPerNode: totalMs / 1000 / count,
    nextNodeStartMs: { median: sortedGaps[Math.floor(sortedGaps.length / 2)], max: sortedGaps.at(-1) },
    workloadGate,
    leaseDuration,
    maxInFlight: monitor.maxInFlight(),
    violations: monitor.violations().length,
    apiRequests: {
      total,
      perRebootedNode: Number((total / count).toFixed(1)),
      perRebootedNodeWithoutLeases: Number(((total - leases) / count).toFixed(1)),
      byKind: Object.fromEntries([...byKind.entries()].sort((a, b) => b[1] - a[1])),
      perNodeByKind: Object.fromEntries(
        [...byKind.entries()].sort((a, b) => b[1] - a[1]).map(([key, n]) => [key, `${perNode(n)}  ${PURPOSE[key] ?? ''}`.trim()]),
      ),
      nodePatchesByWhatTheyWrote: Object.fromEntries([...nodePatches.entries()].sort((a, b) => b[1] - a[1])),
      eventsByReason: Object.fromEntries([...eventsByReason.entries()].sort((a, b) => b[1] - a[1])),
    },
    controllerRssMb: Number((rssKb / 1024).toFixed(1)),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await cluster.stop();
  await controlPlane.stop();
}
