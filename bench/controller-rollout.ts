// Benchmark: one rolling reboot of N KWOK nodes by the real controller process on a private control
// plane whose API server writes an audit log for the controller's ServiceAccount only. Reports the
// total time, time per node, the gap between one node finishing and the next starting, the API
// requests the controller made per rebooted node (by verb and resource), and its memory.
//
//   node bench/controller-rollout.ts [--nodes=10] [--concurrency=1]

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

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '1' } } });
const count = Number(values.nodes);
const concurrency = Number(values.concurrency);

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
    args: [`--concurrency=${concurrency}`, '--trigger=node', '--drain-grace-period=0'],
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
    .map((line) => JSON.parse(line) as { time: number; node: string; phase: string });
  const gaps: number[] = [];
  for (const done of transitions.filter((entry) => entry.phase === 'done')) {
    const next = transitions.find((entry) => entry.phase === 'cordoned' && entry.time >= done.time);
    if (next) gaps.push(next.time - done.time);
  }
  await controller.stop();
  await agents.stop();
  await monitor.stop();

  const events = readFileSync(auditLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map(
      (line) => JSON.parse(line) as { verb: string; objectRef?: { resource?: string; subresource?: string }; user: { username: string } },
    );
  const byKind = new Map<string, number>();
  for (const event of events) {
    if (event.user.username !== controllerUser) continue;
    const key = `${event.verb} ${event.objectRef?.resource ?? '?'}${event.objectRef?.subresource ? `/${event.objectRef.subresource}` : ''}`;
    byKind.set(key, (byKind.get(key) ?? 0) + 1);
  }
  const total = [...byKind.values()].reduce((a, b) => a + b, 0);
  const sortedGaps = gaps.sort((a, b) => a - b);
  const result = {
    nodes: count,
    concurrency,
    totalSeconds: totalMs / 1000,
    secondsPerNode: totalMs / 1000 / count,
    nextNodeStartMs: { median: sortedGaps[Math.floor(sortedGaps.length / 2)], max: sortedGaps.at(-1) },
    maxInFlight: monitor.maxInFlight(),
    violations: monitor.violations().length,
    apiRequests: {
      total,
      perRebootedNode: Number((total / count).toFixed(1)),
      byKind: Object.fromEntries([...byKind.entries()].sort((a, b) => b[1] - a[1])),
    },
    controllerRssMb: Number((rssKb / 1024).toFixed(1)),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} finally {
  await cluster.stop();
  await controlPlane.stop();
}
