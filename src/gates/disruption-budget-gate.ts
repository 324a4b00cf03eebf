// The second half of the workload gate (ADR 0018): a node does not start while a
// PodDisruptionBudget covering a pod its drain would evict allows no disruption
// (status.disruptionsAllowed < 1) or has a status its controller has not brought up to date
// (status.observedGeneration behind the spec). Starting it would only hold a cordoned node in a
// drain the budget refuses, a slot taken for nothing; waiting lets a node whose pods are free go
// first. The reason names the budget: "disruption-budget: PDB shop/db-pdb allows 0 disruptions
// (shop/db-0)".
//
// Budgets come from the watch (workload-view.ts); only a budget that allows none costs a call,
// one pod list by its selector, to find the nodes its pods are on: the cost follows the budgets
// that block, not the cluster's size. A wait lasts at most --workload-gate-timeout from when this
// process first saw the budget hold the node (or the last resume, if later): a restarted
// controller waits afresh, the safe direction. Then it halts the rollout or lets the node start.

import type { V1Pod } from '@kubernetes/client-node';
import { budgetKey, type BudgetStatus } from '../controller/cluster/workload-view.ts';
import { exempt } from '../controller/steps/drain.ts';
import { blocked, OPEN, type Gate, type Verdict } from './gate.ts';
import { listed, notListed, shortDuration, type WorkloadGateDeps } from './workload-gate-settings.ts';

export const DISRUPTION_BUDGET_GATE = 'disruption-budget';

/** What a budget lacks, or undefined when it allows a disruption. */
export function budgetProblem(budget: BudgetStatus): string | undefined {
  if (!budget.current) return `PDB ${budget.namespace}/${budget.name}: status not yet updated by the disruption controller`;
  if (budget.disruptionsAllowed < 1) return `PDB ${budget.namespace}/${budget.name} allows ${budget.disruptionsAllowed} disruptions`;
  return undefined;
}

/** Pods a drain would evict and that a budget counts: bound, not finished, not a DaemonSet's or mirror pod. */
function evictable(pod: V1Pod): boolean {
  return pod.spec?.nodeName !== undefined && !exempt(pod) && pod.metadata?.deletionTimestamp === undefined;
}

/** node → the blocking budgets covering its pods, with those pods' names. */
export type Coverage = Map<string, Map<string, { problem: string; pods: string[] }>>;

export function coverage(blocking: readonly { budget: BudgetStatus; problem: string; pods: readonly V1Pod[] }[]): Coverage {
  const byNode: Coverage = new Map();
  for (const { budget, problem, pods } of blocking) {
    for (const pod of pods) {
      if (!evictable(pod)) continue;
      const node = pod.spec!.nodeName!;
      const budgets = byNode.get(node) ?? new Map<string, { problem: string; pods: string[] }>();
      const key = budgetKey(budget.namespace, budget.name);
      const entry = budgets.get(key) ?? { problem, pods: [] };
      entry.pods.push(`${pod.metadata?.namespace}/${pod.metadata?.name}`);
      budgets.set(key, entry);
      byNode.set(node, budgets);
    }
  }
  return byNode;
}

/**
 * A budget's pod list is reused while the budget is unchanged, for at most this long: a cycle runs
 * on every drain pass and Node change, and the pods' nodes change only as pods come and go (which
 * the disruption controller writes into the budget's status, changing its version).
 */
const POD_LIST_REUSE_MS = 5000;

export function disruptionBudgetGate(deps: WorkloadGateDeps & { readonly interest: Set<string> }): Gate {
  const { source, settings } = deps;
  const podLists = new Map<string, { version: string; at: number; pods: Promise<readonly V1Pod[]> }>();
  const podsOf = (budget: BudgetStatus, now: number): Promise<readonly V1Pod[]> => {
    const key = budgetKey(budget.namespace, budget.name);
    const kept = podLists.get(key);
    if (kept && kept.version === budget.version && now - kept.at < POD_LIST_REUSE_MS) return kept.pods;
    const pods = source.podsOf(budget);
    podLists.set(key, { version: budget.version, at: now, pods });
    pods.catch(() => podLists.delete(key));
    return pods;
  };
  /** `node budget` → when this process first saw that budget hold that node. */
  const firstSeen = new Map<string, number>();
  const announced = new Set<string>();
  return {
    name: DISRUPTION_BUDGET_GATE,
    async evaluate({ now, nodes }) {
      for (const key of [...deps.interest]) if (key.startsWith('PodDisruptionBudget/')) deps.interest.delete(key);
      if (!source.synced()) {
        const verdict = blocked(DISRUPTION_BUDGET_GATE, notListed('PodDisruptionBudgets', source));
        return () => verdict;
      }
      const blocking = source
        .budgets()
        .map((budget) => ({ budget, problem: budgetProblem(budget) }))
        .filter((entry): entry is { budget: BudgetStatus; problem: string } => entry.problem !== undefined);
      if (blocking.length === 0) {
        firstSeen.clear();
        podLists.clear();
        return () => OPEN;
      }
      let lists;
      try {
        lists = await Promise.all(blocking.map(async (entry) => ({ ...entry, pods: await podsOf(entry.budget, now.getTime()) })));
      } catch (error) {
        const verdict = blocked(DISRUPTION_BUDGET_GATE, `cannot list the pods of the PodDisruptionBudgets: ${(error as Error).message}`);
        return () => verdict;
      }
      const byNode = coverage(lists);
      const resumed = deps.resumedAt() ? Date.parse(deps.resumedAt()!) : -Infinity;
      const seenNow = new Set<string>();
      const answers = new Map<string, Verdict>();
      for (const node of nodes) {
        const budgets = byNode.get(node);
        if (!budgets) continue;
        const holding: string[] = [];
        let halt: { node: string; reason: string } | undefined;
        for (const [key, { problem, pods }] of budgets) {
          const id = `${node} ${key}`;
          seenNow.add(id);
          if (!firstSeen.has(id)) firstSeen.set(id, now.getTime());
          const what = `${problem} (${listed(pods)})`;
          const since = Math.max(firstSeen.get(id)!, resumed);
          if (settings.timeoutMs > 0 && now.getTime() >= since + settings.timeoutMs) {
            const limit = shortDuration(settings.timeoutMs);
            if (settings.onTimeout === 'continue') {
              if (!announced.has(`${id} ${since}`)) {
                announced.add(`${id} ${since}`);
                deps.announce(node, `stopped waiting after ${limit} (--workload-gate-timeout): ${what}; the node may start`);
              }
              continue;
            }
            halt ??= { node, reason: `${node} waited ${limit} (--workload-gate-timeout): ${what}` };
          }
          deps.interest.add(key);
          holding.push(what);
        }
        if (holding.length === 0) continue;
        const reason = halt
          ? `not allowed within ${shortDuration(settings.timeoutMs)} (--workload-gate-timeout): ${listed(holding)}`
          : listed(holding);
        answers.set(node, { open: false, gate: DISRUPTION_BUDGET_GATE, reason, ...(halt ? { halt } : {}) });
      }
      for (const id of [...firstSeen.keys()]) if (!seenNow.has(id)) firstSeen.delete(id);
      return (node) => answers.get(node) ?? OPEN;
    },
  };
}
