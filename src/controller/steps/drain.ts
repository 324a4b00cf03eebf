// One pass of a node drain, kured's (and kubectl drain's) rules through the Eviction API:
// DaemonSet and mirror pods stay, finished pods are ignored, pods with emptyDir are evicted, bare
// pods are deleted (kured's Force), a PodDisruptionBudget's 429 is a "not yet". The pass never
// sleeps: it reports what remains and the runner requeues (docs/design.md, "The work loop": waiting is a requeue).
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
}

export interface Drainer {
  pass(node: string, now: Date): Promise<DrainPass>;
}

/**
 * Records what the drain is about to disrupt (the workload gate, steps/remember-workloads.ts):
 * called with the node's pods before any eviction, so a controller killed after an eviction still
 * finds on the Node what it evicted. A failure fails the pass (it is tried again), never skipped.
 */
export type RememberDisrupted = (node: string, pods: readonly V1Pod[]) => Promise<void>;

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

function podName(pod: V1Pod): string {
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

export function createDrainer(api: ClusterApi, settings: DrainSettings, remember?: RememberDisrupted): Drainer {
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
    async pass(node, now) {
      const pods = await api.listPodsOnNode(node, settings.podSelector || undefined);
      const leaving = pods.filter((pod) => !exempt(pod));
      if (remember) await remember(node, pods);
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
          reason: `waiting for ${waiting.length} pod(s) to terminate: ${summarize(waiting)}`,
        };
      return { done: true, evicted, blockedByBudget, reason: 'drained' };
    },
  };
}

const EVICTIONS_IN_FLIGHT = 8;

function summarize(names: readonly string[]): string {
  return names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
}
