// The bench's private cluster at N nodes on 2 cores: a control plane whose API server audits only
// the controller's ServiceAccount (Metadata level), with client rates raised for the components
// that create 10 pods per node and KWOK's node leases slowed (5,000 leases renewed every 10 s would
// be 500 writes a second on their own); the controller's RBAC and namespace from deploy/base as
// shipped; KWOK nodes in 3 zones created in parallel; Deployments with PDBs scheduled over them.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { V1Node } from '@kubernetes/client-node';
import { binary, REPO_ROOT } from '../../test/harness/binaries.ts';
import type { Cluster } from '../../test/harness/cluster.ts';
import { startControlPlane, type ControlPlane } from '../../test/harness/control-plane.ts';
import { startProcess, type ManagedProcess } from '../../test/harness/process.ts';
import { isNodeReady } from '../../test/harness/readiness.ts';
import { deploymentObject, nodeObject, pdbObject } from '../../test/harness/workloads.ts';
import { MERGE_PATCH } from '../../src/kube/patch.ts';
import { mapLimit } from '../../src/map-limit.ts';

export const CONTROLLER_NAMESPACE = 'kreboot'; // deploy/base's
export const CONTROLLER_USER = `system:serviceaccount:${CONTROLLER_NAMESPACE}:kreboot-controller`;
export const BENCH_LABEL = { key: 'kreboot-bench', value: 'true' } as const;
export const ZONES = ['zone-a', 'zone-b', 'zone-c'] as const;
export const APPS_NAMESPACE = 'bench-apps';

export async function startBenchControlPlane(dir: string): Promise<{ controlPlane: ControlPlane; auditLog: string }> {
  const policy = join(dir, 'audit-policy.yaml');
  const auditLog = join(dir, 'audit.log');
  writeFileSync(
    policy,
    `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived, ResponseStarted]
rules:
  - level: Metadata
    users: ["${CONTROLLER_USER}"]
  - level: None
`,
  );
  const kwokConfig = join(dir, 'kwok-options.yaml');
  writeFileSync(
    kwokConfig,
    `apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  podPlayStageParallelism: 32
  nodePlayStageParallelism: 16
  nodeLeaseParallelism: 4
  podsOnNodeSyncParallelism: 4
`,
  );
  const controlPlane = await startControlPlane({
    extraApiServerArgs: [
      `--audit-policy-file=${policy}`,
      `--audit-log-path=${auditLog}`,
      '--audit-log-format=json',
      // Room for the set-up's bursts (node, pod and report writes) next to the controller's requests.
      '--max-requests-inflight=800',
      '--max-mutating-requests-inflight=400',
    ],
    // Default client rates (20 and 50 QPS) would take 40 and 17 minutes to create and bind 50,000 pods.
    extraControllerManagerArgs: [
      '--kube-api-qps=400',
      '--kube-api-burst=800',
      '--concurrent-replicaset-syncs=10',
      '--node-monitor-grace-period=30m',
    ],
    // A lease renewed every 5 minutes instead of every 10 s; the node lifecycle controller's grace
    // period above is longer, so nodes stay Ready.
    // KWOK plays 4 stages at a time by default (measured: ~15 pods marked Running a second while
    // the scheduler binds ~60) and logs every patch at INFO. A KwokConfiguration replaces every
    // option, so the parallelisms KWOK needs are all given.
    extraKwokArgs: ['--node-lease-duration-seconds=1200', `--config=${kwokConfig}`, '--v=WARN'],
  });
  await replaceScheduler(controlPlane, dir);
  return { controlPlane, auditLog };
}

/**
 * The scheduler again, from a configuration file: its client rates raised, and scoring 100 feasible
 * nodes per pod instead of the adaptive share (10% = 500 at 5,000 nodes), which made scheduling
 * the set-up's slowest step (~45 pods a second at 500 nodes here). Pods still spread: each
 * scheduling cycle starts its search where the previous one stopped.
 */
async function replaceScheduler(controlPlane: ControlPlane, dir: string): Promise<void> {
  const processes = controlPlane.processes as ManagedProcess[];
  const index = processes.findIndex((proc) => proc.name === 'kube-scheduler');
  if (index < 0) throw new Error('no kube-scheduler in the control plane');
  await processes[index]!.stop();
  const config = join(dir, 'kube-scheduler.yaml');
  writeFileSync(
    config,
    `apiVersion: kubescheduler.config.k8s.io/v1
kind: KubeSchedulerConfiguration
clientConnection:
  kubeconfig: ${join(controlPlane.info.dir, 'kube-scheduler.kubeconfig')}
  qps: 400
  burst: 800
leaderElection:
  leaderElect: false
enableProfiling: false
percentageOfNodesToScore: 1
`,
  );
  // In the control plane's own list, so its stop() ends it too.
  processes[index] = startProcess('kube-scheduler', binary('kube-scheduler'), [`--config=${config}`, '--secure-port=0'], {
    logDir: join(controlPlane.info.dir, 'logs'),
  });
}

/** deploy/base's namespace and controller RBAC, applied as they ship. */
export function applyControllerRbac(kubeconfig: string): void {
  execFileSync(
    binary('kubectl'),
    [
      `--kubeconfig=${kubeconfig}`,
      'apply',
      '-f',
      join(REPO_ROOT, 'deploy/base/namespace.yaml'),
      '-f',
      join(REPO_ROOT, 'deploy/base/controller-rbac.yaml'),
    ],
    { stdio: ['ignore', 'ignore', 'inherit'] },
  );
}

export function nodeNames(count: number): string[] {
  const width = String(count - 1).length;
  return Array.from({ length: count }, (_, i) => `bench-${String(i).padStart(width, '0')}`);
}

export async function createNodesFast(cluster: Cluster, names: readonly string[], inFlight: number): Promise<void> {
  await mapLimit(names, inFlight, async (name, index) => {
    const body: V1Node = nodeObject(name, 'bench', index, { labels: { [BENCH_LABEL.key]: BENCH_LABEL.value }, zones: ZONES });
    try {
      await cluster.core.createNode({ body });
    } catch (error) {
      if ((error as { code?: number }).code !== 409) throw error;
    }
  });
}

/** Polls the watch cache (resourceVersion 0: no etcd read) until every bench node is Ready. */
export async function waitNodesReady(
  cluster: Cluster,
  count: number,
  timeoutMs: number,
  progress: (ready: number) => void,
): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await cluster.core.listNode({ labelSelector: `${BENCH_LABEL.key}=${BENCH_LABEL.value}`, resourceVersion: '0' });
    const ready = list.items.filter(isNodeReady).length;
    progress(ready);
    if (ready >= count || Date.now() > deadline) return ready;
    // Each poll makes the API server serialise every node (15 MB at 5,000) and this process parse
    // them: measured at 5,000 nodes, polling every 3 s cost a sixth of a core here.
    await new Promise((resolve) => setTimeout(resolve, count > 1000 ? 15_000 : 3000));
  }
}

export interface Workloads {
  readonly deployments: number;
  readonly pods: number;
}

/**
 * Every bench pod carries one label that a soft hostname spread constraint counts, so all
 * Deployments together fill the nodes evenly (about --pods-per-node each). Measured without it at
 * 500 nodes: the rebooting nodes had no pods at all, and their drains evicted nothing.
 */
const SPREAD_LABEL = 'kreboot-bench/spread';
const SPREAD = [
  {
    maxSkew: 1,
    topologyKey: 'kubernetes.io/hostname',
    whenUnsatisfiable: 'ScheduleAnyway',
    labelSelector: { matchLabels: { [SPREAD_LABEL]: 'true' } },
  },
];

/** Pods per node for the given nodes (one field-selector list each). */
export async function podsOn(cluster: Cluster, nodes: readonly string[]): Promise<Record<string, number>> {
  const counts = await mapLimit(
    nodes,
    10,
    async (node) =>
      (await cluster.core.listNamespacedPod({ namespace: APPS_NAMESPACE, fieldSelector: `spec.nodeName=${node}`, resourceVersion: '0' }))
        .items.length,
  );
  return Object.fromEntries(nodes.map((node, i) => [node, counts[i]!]));
}

/** `pods` replicas over up to 100 Deployments, each with a PDB of maxUnavailable 1. */
export async function createWorkloads(cluster: Cluster, pods: number): Promise<Workloads> {
  await cluster.core.createNamespace({ body: { metadata: { name: APPS_NAMESPACE } } });
  await cluster.waitFor(() => cluster.core.readNamespacedServiceAccount({ namespace: APPS_NAMESPACE, name: 'default' }).then(() => true), {
    timeoutMs: 60_000,
    what: 'ServiceAccount default in the apps namespace',
  });
  const deployments = Math.max(1, Math.min(100, pods));
  const apps = Array.from({ length: deployments }, (_, i) => ({
    name: `app-${String(i).padStart(2, '0')}`,
    replicas: Math.floor(pods / deployments) + (i < pods % deployments ? 1 : 0),
  }));
  await mapLimit(apps, 10, async ({ name, replicas }) => {
    await cluster.policy.createNamespacedPodDisruptionBudget({
      namespace: APPS_NAMESPACE,
      body: pdbObject(APPS_NAMESPACE, name, { selector: { app: name }, maxUnavailable: 1 }),
    });
    await cluster.apps.createNamespacedDeployment({
      namespace: APPS_NAMESPACE,
      body: deploymentObject(APPS_NAMESPACE, name, {
        replicas,
        labels: { app: name, [SPREAD_LABEL]: 'true' },
        spec: { topologySpreadConstraints: SPREAD },
      }),
    });
  });
  return { deployments, pods };
}

/**
 * When not every pod runs in time: each Deployment is scaled down to the pods it has Running, so
 * the phases are measured on a settled cluster (no scheduling and pod creation going on behind
 * them). Returns the pods left, all Running.
 */
export async function shrinkToRunning(cluster: Cluster): Promise<number> {
  const list = await cluster.apps.listNamespacedDeployment({ namespace: APPS_NAMESPACE });
  const running = await mapLimit(list.items, 4, async (deployment) => {
    const name = deployment.metadata!.name!;
    const pods = await cluster.core.listNamespacedPod({ namespace: APPS_NAMESPACE, labelSelector: `app=${name}`, resourceVersion: '0' });
    const count = pods.items.filter((pod) => pod.status?.phase === 'Running' && !pod.metadata?.deletionTimestamp).length;
    await cluster.apps.patchNamespacedDeploymentScale(
      { namespace: APPS_NAMESPACE, name, body: { spec: { replicas: count } } },
      MERGE_PATCH,
    );
    return count;
  });
  return running.reduce((a, b) => a + b, 0);
}

/** Ready replicas summed over the Deployments (KWOK marks pods Running and Ready). */
export async function readyPods(cluster: Cluster): Promise<number> {
  const list = await cluster.apps.listNamespacedDeployment({ namespace: APPS_NAMESPACE });
  return list.items.reduce((total, d) => total + (d.status?.readyReplicas ?? 0), 0);
}
