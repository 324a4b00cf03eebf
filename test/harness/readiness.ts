// "Is it there yet" checks for objects the tests create, each with a deadline and a message that
// says what was still missing.

import type { AppsV1Api, CoreV1Api, PolicyV1Api, V1Node } from '@kubernetes/client-node';
import { waitFor } from './wait-for.ts';

/** Taints the node lifecycle controller sets while a node is not (yet) Ready. */
const NOT_READY_TAINTS = ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable'];

export function isNodeReady(node: V1Node): boolean {
  const ready = node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
  const tainted = node.spec?.taints?.some((t) => NOT_READY_TAINTS.includes(t.key)) ?? false;
  return ready && !tainted;
}

export async function waitForNodesReady(core: CoreV1Api, names: readonly string[], timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      for (const name of names) if (!isNodeReady(await core.readNode({ name }))) return false;
      return true;
    },
    { timeoutMs, intervalMs: 200, what: `nodes ${names.join(', ')} Ready without not-ready taints` },
  );
}

export async function waitForPodRunning(core: CoreV1Api, namespace: string, name: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const pod = await core.readNamespacedPod({ namespace, name });
      return pod.status?.phase === 'Running' && (pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
    },
    { timeoutMs, intervalMs: 200, what: `pod ${namespace}/${name} Running and Ready` },
  );
}

export async function waitForDeployment(apps: AppsV1Api, namespace: string, name: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const d = await apps.readNamespacedDeployment({ namespace, name });
      const want = d.spec?.replicas ?? 1;
      return (
        (d.status?.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
        (d.status?.readyReplicas ?? 0) === want &&
        (d.status?.replicas ?? 0) === want
      );
    },
    { timeoutMs, intervalMs: 200, what: `deployment ${namespace}/${name} with all replicas ready` },
  );
}

export async function waitForDaemonSet(apps: AppsV1Api, namespace: string, name: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const ds = await apps.readNamespacedDaemonSet({ namespace, name });
      const status = ds.status;
      return (
        !!status &&
        (status.observedGeneration ?? 0) >= (ds.metadata?.generation ?? 0) &&
        status.numberReady === status.desiredNumberScheduled
      );
    },
    { timeoutMs, intervalMs: 200, what: `daemonset ${namespace}/${name} ready on every node it selects` },
  );
}

/** The disruption controller has computed the budget (before that, every eviction gets 429). */
export async function waitForPdbObserved(policy: PolicyV1Api, namespace: string, name: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    async () => {
      const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace, name });
      return (pdb.status?.observedGeneration ?? 0) >= (pdb.metadata?.generation ?? 1);
    },
    { timeoutMs, intervalMs: 200, what: `PodDisruptionBudget ${namespace}/${name} observed by the disruption controller` },
  );
}
