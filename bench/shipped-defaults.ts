// Benchmark: a rollout with what kreboot ships, not the test rig's shortcuts, next to the rig. The
// end-to-end scenario (test/harness/scenario/scenario.ts: KWOK nodes with workloads and PDBs, one real agent
// per simulated host, real Prometheus and Alertmanager loading alertmanager/, the real controller)
// on a private control plane whose API server writes an audit log of the ServiceAccounts, so the
// controller's and the agents' own requests can be counted.
//
// Modes (each on fresh nodes; sentinels set on `--reboot` nodes at once, concurrency 1, every
// simulated reboot keeps its node down `--down`):
// - node:  --trigger=node (the chart's default); agents at the shipped --period (1h); controller
//          flags at their defaults (lease 15s, gate recheck 30s, reboot timeout 30m, the pods' own
//          drain grace period).
// - alert: --trigger=alert (the kustomize base's default): the shipped rule `for`, route group_wait,
//          60 s scrapes (the ServiceMonitors'), Prometheus's own 1m evaluation interval and resend
//          delay; agents and controller as in `node`.
// - rig:   the e2e rig's shortcuts (1 s scrape and evaluation, `for: 0s`, group_wait 1s, agent
//          --period=1s, lease 3s, gate recheck 2s, drain grace 0) with the same 60 s reboots (and a
//          reboot timeout above them).
// After the rollout the first mode stays idle `--idle` seconds, the others `--idle-others`, counting
// the requests made meanwhile.
//
//   node bench/shipped-defaults.ts [--modes=node,alert,rig] [--nodes=5] [--reboot=3] [--down=60] [--idle=360] [--idle-others=60]

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLUSTER_ENV } from '../test/harness/cluster-info.ts';
import { startCluster, type Cluster } from '../test/harness/cluster.ts';
import { startControlPlane } from '../test/harness/control-plane.ts';
import { startScenario, type Scenario } from '../test/harness/scenario/scenario.ts';

const { values } = parseArgs({
  options: {
    modes: { type: 'string', default: 'node,alert,rig' },
    nodes: { type: 'string', default: '5' },
    reboot: { type: 'string', default: '3' },
    down: { type: 'string', default: '60' },
    idle: { type: 'string', default: '360' },
    'idle-others': { type: 'string', default: '60' },
  },
});
type Mode = 'node' | 'alert' | 'rig';
const modes = values.modes.split(',') as Mode[];
const nodeCount = Number(values.nodes);
const rebootCount = Number(values.reboot);
const downMs = Number(values.down) * 1000;
// The first mode idles long enough to see an agent's Node watch renewed (every 300–360 s); the others briefly.
const idleMs = (index: number) => Number(index === 0 ? values.idle : values['idle-others']) * 1000;

// Metadata-level audit of every ServiceAccount (the controller's and the agents'), nothing else.
const auditDir = mkdtempSync(join(tmpdir(), 'kreboot-audit-'));
const auditLog = join(auditDir, 'audit.log');
writeFileSync(
  join(auditDir, 'policy.yaml'),
  `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: Metadata
    userGroups: ["system:serviceaccounts"]
  - level: None
`,
);

const CONTROLLER_RULES = [
  { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
  { apiGroups: [''], resources: ['pods'], verbs: ['list', 'delete'] },
  { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['list'] },
  { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
  { apiGroups: ['apps'], resources: ['daemonsets'], verbs: ['get', 'list', 'watch', 'patch'] },
  // The workload gate's watches (on by default).
  { apiGroups: ['apps'], resources: ['replicasets', 'statefulsets', 'daemonsets'], verbs: ['list', 'watch'] },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['list', 'watch'] },
  { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
];

interface AuditEvent {
  auditID: string;
  verb: string;
  user: { username: string };
  objectRef?: { resource?: string; subresource?: string };
  requestReceivedTimestamp: string;
}

/** Requests per user kind ('controller' | 'agent') and verb+resource, received in [from, to). */
function countRequests(controllerUser: string, agentPrefix: string, from: number, to: number) {
  const seen = new Set<string>();
  const counts = { controller: new Map<string, number>(), agent: new Map<string, number>() };
  for (const line of readFileSync(auditLog, 'utf8').split('\n')) {
    if (!line) continue;
    const event = JSON.parse(line) as AuditEvent;
    if (seen.has(event.auditID)) continue;
    seen.add(event.auditID);
    const at = Date.parse(event.requestReceivedTimestamp);
    if (at < from || at >= to) continue;
    const who = event.user.username === controllerUser ? 'controller' : event.user.username.startsWith(agentPrefix) ? 'agent' : undefined;
    if (!who) continue;
    const key = `${event.verb} ${event.objectRef?.resource ?? '?'}${event.objectRef?.subresource ? `/${event.objectRef.subresource}` : ''}`;
    counts[who].set(key, (counts[who].get(key) ?? 0) + 1);
  }
  const total = (map: Map<string, number>, leases: boolean) =>
    [...map].filter(([key]) => key.endsWith(' leases') === leases).reduce((sum, [, n]) => sum + n, 0);
  return {
    controller: total(counts.controller, false),
    controllerLeases: total(counts.controller, true),
    agents: total(counts.agent, false),
    byKind: {
      controller: Object.fromEntries([...counts.controller].sort((a, b) => b[1] - a[1])),
      agents: Object.fromEntries([...counts.agent].sort((a, b) => b[1] - a[1])),
    },
  };
}

const SHIPPED_CONTROLLER = ['--lease-duration=15s', '--gate-recheck-period=30s', '--reboot-timeout=30m', '--drain-grace-period=-1'];
const RIG_CONTROLLER = ['--reboot-timeout=10m'];

async function runMode(cluster: Cluster, mode: Mode, idleForMs: number) {
  const ns = await cluster.newNamespace(`bench-${mode}`);
  await cluster.grant(ns, 'kreboot-controller', CONTROLLER_RULES, 'cluster');
  const controllerKubeconfig = await cluster.serviceAccountKubeconfig(ns, 'kreboot-controller', { expirationSeconds: 6 * 3600 });
  const controllerUser = `system:serviceaccount:${ns}:kreboot-controller`;
  const setupStart = Date.now();
  const s: Scenario = await startScenario(cluster, {
    nodes: nodeCount,
    downMs,
    controllerKubeconfig,
    ...(mode === 'rig'
      ? { controllerArgs: RIG_CONTROLLER }
      : { alerting: 'shipped' as const, agentArgs: ['--period=1h'], controllerArgs: [...SHIPPED_CONTROLLER, `--trigger=${mode}`] }),
  });
  const setupMs = Date.now() - setupStart;
  // The agents' ServiceAccount lives in a namespace of its own per scenario: kreboot-agent-<random>.
  const agentPrefix = 'system:serviceaccount:kreboot-agent-';
  try {
    const chosen = s.nodes.slice(0, rebootCount);
    const sentinelAt = Date.now();
    for (const node of chosen) s.host(node).requireReboot();
    await s.waitRebooted(chosen, 30 * 60_000).catch(async (error: unknown) => {
      process.stderr.write(`${await s.report()}\n`);
      throw error;
    });
    await cluster.waitFor(() => chosen.every((node) => s.progress.firstAt(node, 'done')), {
      what: 'status API shows done',
      timeoutMs: 60_000,
    });
    const doneAt = Date.now();
    const started = (node: string) =>
      s.progress.transitions.find((t) => t.node === node && ['cordoned', 'draining', 'rebooting'].includes(t.phase))!.at.getTime();
    const finished = (node: string) => s.progress.firstAt(node, 'done')!.getTime();
    const order = [...chosen].sort((a, b) => started(a) - started(b));
    const gaps = order.slice(1).map((node, i) => started(node) - finished(order[i]!));
    // Every request between the sentinels and the last node done, then an idle window.
    const rollout = countRequests(controllerUser, agentPrefix, sentinelAt, doneAt);
    const idleFrom = Date.now();
    await new Promise((resolve) => setTimeout(resolve, idleForMs));
    // Requests received until now; give the audit log a moment to flush.
    const idleTo = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const idle = countRequests(controllerUser, agentPrefix, idleFrom, idleTo);
    // No idle window (--idle=0): no idle figures.
    const perHour = (n: number) => (idleForMs > 0 ? Number(((n * 3_600_000) / (idleTo - idleFrom)).toFixed(0)) : Number.NaN);
    const result = {
      mode,
      setupMs,
      sentinelToFirstCordonMs: started(order[0]!) - sentinelAt,
      cordonToDoneMs: order.map((node) => finished(node) - started(node)),
      nextNodeStartMs: gaps,
      totalMs: doneAt - sentinelAt,
      rolloutRequests: {
        controllerPerRebootedNode: Number((rollout.controller / rebootCount).toFixed(1)),
        agentsPerRebootedNode: Number((rollout.agents / rebootCount).toFixed(1)),
        controllerLeaseRequests: rollout.controllerLeases,
        byKind: rollout.byKind,
      },
      idle: {
        windowS: Math.round((idleTo - idleFrom) / 1000),
        agentsPerNodePerHour: Number((perHour(idle.agents) / nodeCount).toFixed(1)),
        controllerPerHour: perHour(idle.controller),
        controllerLeasesPerHour: perHour(idle.controllerLeases),
        byKind: idle.byKind,
      },
    };
    process.stderr.write(`${mode}: ${JSON.stringify(result)}\n`);
    return result;
  } finally {
    await s.stop();
  }
}

const controlPlane = await startControlPlane({
  extraApiServerArgs: [
    `--audit-policy-file=${join(auditDir, 'policy.yaml')}`,
    `--audit-log-path=${auditLog}`,
    '--audit-log-format=json',
    '--audit-log-mode=blocking',
  ],
});
process.env[CLUSTER_ENV] = join(controlPlane.info.dir, 'cluster.json');
const cluster = await startCluster();
const results: Awaited<ReturnType<typeof runMode>>[] = [];
try {
  for (const [index, mode] of modes.entries()) results.push(await runMode(cluster, mode, idleMs(index)));
} finally {
  await cluster.stop();
  await controlPlane.stop();
}

const s = (ms: number) => (ms / 1000).toFixed(1);
console.log(`${nodeCount} nodes, ${rebootCount} rebooted at concurrency 1, each down ${s(downMs)} s\n`);
console.log(`| | ${results.map((r) => r.mode).join(' | ')} |\n|---|${results.map(() => '---|').join('')}`);
const row = (label: string, cell: (r: (typeof results)[number]) => string) =>
  console.log(`| ${label} | ${results.map(cell).join(' | ')} |`);
row('sentinel → first cordon (s)', (r) => s(r.sentinelToFirstCordonMs));
row('per node: cordon → done (s)', (r) => r.cordonToDoneMs.map(s).join(', '));
row('previous done → next cordon (s)', (r) => r.nextNodeStartMs.map(s).join(', '));
row(`sentinels → ${rebootCount} nodes done (s)`, (r) => s(r.totalMs));
row('API requests per rebooted node, controller (leases excluded)', (r) => String(r.rolloutRequests.controllerPerRebootedNode));
row('API requests per rebooted node, agents', (r) => String(r.rolloutRequests.agentsPerRebootedNode));
row('idle: agent requests per node per hour', (r) => String(r.idle.agentsPerNodePerHour));
row('idle: controller requests per hour (leases excluded)', (r) => String(r.idle.controllerPerHour));
row('idle: controller lease requests per hour (one replica)', (r) => String(r.idle.controllerLeasesPerHour));
console.log(JSON.stringify(results, null, 2));
