// One pass of a node drain, kured's (and kubectl drain's) rules through the Eviction API:
// DaemonSet and mirror pods stay, finished pods are ignored, pods with emptyDir are evicted, bare
// pods are deleted (kured's Force), a PodDisruptionBudget's 429 is a "not yet". The pass never
// sleeps: it reports what remains and the runner requeues (docs/design.md, "The work loop": waiting is a requeue).
//
// Before its first eviction a pass hands what it is about to evict to `begin` (the runner's
// drain-start write: the draining record, and what the workload gate must wait for, in one Node
// patch; steps/drain-start.ts); a pass whose write finds the node changed evicts nothing.
//
// An eviction interrupted half-way (the controller killed while the API server handled it) leaves
// the pod in the budget's status.disruptedPods — its disruption already approved and counted — but
// not deleted; the API server then refuses every eviction under that budget until the disruption
// controller forgets the entry after two minutes (its DeletionTimeout). The pass completes such an
// approved eviction by deleting the pod, which is what the eviction would have done: a kill costs
// no more than the Lease takeover.

import type { V1Pod, V1PodDisruptionBudget } from '@kubernetes/client-node';
import { apiErrorMessage, httpStatus, isNotFound } from '../../kube/api-errors.ts';
import type { ClusterApi } from '../cluster-api.ts';
import { mapLimit } from '../../map-limit.ts';

export interface DrainSettings {
  /** -1 uses each pod's own grace period. */
  readonly gracePeriodSeconds: number;
  /** Pods deleted longer ago than this are no longer waited for; 0 waits for all. */
  readonly skipWaitForDeleteTimeoutSeconds: number;
  readonly podSelector: string;
}

interface DrainPass {
  /** True when no pod that must leave is left on the node. */
  readonly done: boolean;
  /** Human-readable: what the drain waits for. */
  readonly reason: string;
  readonly evicted: number;
  readonly blockedByBudget: readonly string[];
  /** `begin` found the node changed since the cycle read it: nothing was evicted, nothing learnt. */
  readonly stale?: boolean;
}

/** What a pass is about to act on, before its first eviction. */
export interface DrainStart {
  /** Every pod on the node (the workload gate records the DaemonSets' too). */
  readonly pods: readonly V1Pod[];
  /** The pods the drain makes leave (evicts, deletes, or waits for while they terminate). */
  readonly leaving: readonly V1Pod[];
}

/**
 * Writes what the drain begins with before any eviction (steps/drain-start.ts), so a controller
 * killed after an eviction still finds on the Node that it drained and what it evicted. Resolves
 * false when the node changed under the write (evict nothing; the next pass reads it afresh); a
 * failure fails the pass (it is tried again), never skipped.
 */
export type BeginDrain = (start: DrainStart) => Promise<boolean>;

export interface Drainer {
  pass(node: string, now: Date, begin?: BeginDrain): Promise<DrainPass>;
}

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** The reason of a drain that waits for the pods it evicted (or found terminating) to go. */
export function terminationWait(pods: readonly string[]): string {
  return `waiting for ${pods.length} pod(s) to terminate: ${summarize(pods)}`;
}

/** Whether a drain's reason is only the wait for its evicted pods to terminate (the routine course). */
export function isTerminationWait(reason: string): boolean {
  return /^waiting for \d+ pod\(s\) to terminate: /.test(reason);
}

export function podName(pod: V1Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

/** Whether the drain leaves this pod alone. */
export function exempt(pod: V1Pod): boolean {
  if (pod.metadata?.annotations?.[MIRROR_ANNOTATION] !== undefined) return true;
  if (pod.metadata?.ownerReferences?.some((owner) => owner.controller === true && owner.kind === 'DaemonSet')) return true;
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

function isBare(pod: V1Pod): boolean {
  return !pod.metadata?.ownerReferences?.some((owner) => owner.controller === true);
}

export function createDrainer(api: ClusterApi, settings: DrainSettings): Drainer {
  const deleteOptions = settings.gracePeriodSeconds >= 0 ? { gracePeriodSeconds: settings.gracePeriodSeconds } : {};

  /** Whether a budget of the pod's namespace lists it as disrupted: its eviction was approved. */
  async function approvedDisruption(pod: V1Pod, budgets: Map<string, Promise<V1PodDisruptionBudget[]>>): Promise<boolean> {
    const namespace = pod.metadata!.namespace!;
    if (!budgets.has(namespace)) budgets.set(namespace, api.listPodDisruptionBudgets(namespace));
    const list = await budgets.get(namespace)!;
    return list.some((budget) => budget.status?.disruptedPods?.[pod.metadata!.name!] !== undefined);
  }

  async function remove(pod: V1Pod, budgets: Map<string, Promise<V1PodDisruptionBudget[]>>): Promise<'gone' | 'evicting' | 'budget'> {
    const name = pod.metadata!.name!;
    const namespace = pod.metadata!.namespace!;
    try {
      if (isBare(pod)) await api.deletePod(namespace, name, deleteOptions);
      else await api.evictPod(namespace, name, deleteOptions);
      return 'evicting';
    } catch (error) {
      if (isNotFound(error)) return 'gone';
      if (httpStatus(error) === 429) return (await completeApproved(pod, budgets)) ? 'evicting' : 'budget';
      throw new Error(`evicting ${namespace}/${name}: ${apiErrorMessage(error)}`, { cause: error });
    }
  }

  async function completeApproved(pod: V1Pod, budgets: Map<string, Promise<V1PodDisruptionBudget[]>>): Promise<boolean> {
    if (!(await approvedDisruption(pod, budgets))) return false;
    try {
      await api.deletePod(pod.metadata!.namespace!, pod.metadata!.name!, deleteOptions);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return true;
  }

  return {
    async pass(node, now, begin) {
      const pods = await api.listPodsOnNode(node, settings.podSelector || undefined);
      const leaving = pods.filter((pod) => !exempt(pod));
      if (begin && !(await begin({ pods, leaving })))
        return { done: false, evicted: 0, blockedByBudget: [], reason: 'the node changed before the drain began', stale: true };
      const waiting: string[] = [];
      const blockedByBudget: string[] = [];
      let evicted = 0;
      const budgets = new Map<string, Promise<V1PodDisruptionBudget[]>>();
      // Evictions go out a few at a time, as kubectl drain sends them: a node of 100 pods is not
      // 100 round trips one after the other. Outcomes are read back in the pods' order.
      const outcomes = await mapLimit(leaving, EVICTIONS_IN_FLIGHT, (pod) => {
        const deletedAt = pod.metadata?.deletionTimestamp;
        if (!deletedAt) return remove(pod, budgets);
        const ageSeconds = (now.getTime() - new Date(deletedAt).getTime()) / 1000;
        return Promise.resolve(
          settings.skipWaitForDeleteTimeoutSeconds > 0 && ageSeconds > settings.skipWaitForDeleteTimeoutSeconds ? 'gone' : 'terminating',
        );
      });
      leaving.forEach((pod, index) => {
        const outcome = outcomes[index];
        if (outcome === 'budget') blockedByBudget.push(podName(pod));
        else if (outcome === 'evicting' || outcome === 'terminating') {
          if (outcome === 'evicting') evicted++;
          waiting.push(podName(pod));
        }
      });
      if (blockedByBudget.length > 0) {
        return {
          done: false,
          evicted,
          blockedByBudget,
          reason: `eviction blocked by a PodDisruptionBudget: ${summarize(blockedByBudget)}`,
        };
      }
      if (waiting.length > 0)
        return {
          done: false,
          evicted,
          blockedByBudget,
          reason: terminationWait(waiting),
        };
      return { done: true, evicted, blockedByBudget, reason: 'drained' };
    },
  };
}

const EVICTIONS_IN_FLIGHT = 8;

function summarize(names: readonly string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}
