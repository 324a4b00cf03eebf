// The workloads the scenario's nodes carry, and a watch that they stay within their budgets:
// two Deployments guarded by PodDisruptionBudgets (web: maxUnavailable 1 of 4; db: minAvailable 2
// of 3), a DaemonSet (the drain leaves it), the lock DaemonSet kreboot-agent (the agents' own, as in
// a cluster) and a bare pod (the drain deletes it, as kured's does). Everything is pinned to the
// scenario's nodes by their label, so other tests' nodes never get these pods.

import type { V1Pod } from '@kubernetes/client-node';
import type { Cluster } from '../cluster.ts';

export const LOCK_DS = 'kreboot-agent';
export const BUDGETS = [
  { app: 'web', replicas: 4, pdb: { maxUnavailable: 1 }, minReady: 3 },
  { app: 'db', replicas: 3, pdb: { minAvailable: 2 }, minReady: 2 },
] as const;

export async function createWorkloads(
  cluster: Cluster,
  namespace: string,
  nodeLabel: Record<string, string>,
  bareOn: string,
): Promise<void> {
  const anywhere = [{ operator: 'Exists' as const }];
  await cluster.createDaemonSet(namespace, LOCK_DS, { nodeSelector: nodeLabel, tolerations: anywhere });
  await cluster.createDaemonSet(namespace, 'log-shipper', { nodeSelector: nodeLabel, tolerations: anywhere });
  for (const budget of BUDGETS) {
    await cluster.createDeployment(namespace, budget.app, {
      replicas: budget.replicas,
      labels: { app: budget.app },
      nodeSelector: nodeLabel,
    });
    await cluster.createPdb(namespace, budget.app, { selector: { app: budget.app }, ...budget.pdb });
  }
  await cluster.createBarePod(namespace, 'debug-shell', { nodeName: bareOn });
}

function ready(pod: V1Pod): boolean {
  return !pod.metadata?.deletionTimestamp && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

export interface BudgetWatch {
  /** The fewest Ready pods seen per app while the watch ran. */
  readonly minimumReady: Map<string, number>;
  stop(): void;
}

/** Samples the Ready pods of each budgeted app every 200 ms. */
export function watchBudgets(cluster: Cluster, namespace: string): BudgetWatch {
  const minimumReady = new Map<string, number>();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void cluster.core
      .listNamespacedPod({ namespace })
      .then((pods) => {
        for (const budget of BUDGETS) {
          const count = pods.items.filter((p) => p.metadata?.labels?.app === budget.app && ready(p)).length;
          minimumReady.set(budget.app, Math.min(minimumReady.get(budget.app) ?? count, count));
        }
      })
      .catch(() => undefined)
      .finally(() => {
        busy = false;
      });
  }, 200);
  return { minimumReady, stop: () => clearInterval(timer) };
}
