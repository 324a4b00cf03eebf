// The workload gate's memory of a drain (ADR 0018): before a drain pass evicts anything, the
// controllers of the pods on the node — those it evicts, and the DaemonSets whose pods the reboot
// restarts — are added to the node's kreboot.dev/evicted-workloads record with how many of their
// pods were Ready then (the count the gate waits to see again). A Job's pods and bare pods are not
// recorded: nothing brings them back to wait for. The write is one annotation, merged without a
// resourceVersion: it decides nothing, only this key is written, and a lost race merely rewrites it.

import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { isNotFound } from '../../kube/api-errors.ts';
import { CONTROLLER } from '../../store/keys.ts';
import {
  rememberWorkloads,
  WORKLOAD_KINDS,
  workloadKey,
  type EvictedWorkloads,
  type WorkloadKey,
  type WorkloadKind,
} from '../../store/evicted-workloads.ts';
import type { ClusterApi } from '../cluster-api.ts';
import type { WorkloadSource } from '../cluster/workload-view.ts';
import { observeNode } from '../policy/observed-node.ts';
import type { RememberDisrupted } from './drain.ts';

/** The workload a pod belongs to, when it is one the gate can read. */
export function workloadOf(pod: V1Pod): WorkloadKey | undefined {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined;
  const owner = pod.metadata?.ownerReferences?.find((ref) => ref.controller === true);
  if (!owner || !WORKLOAD_KINDS.includes(owner.kind as WorkloadKind)) return undefined;
  return workloadKey(owner.kind as WorkloadKind, pod.metadata?.namespace ?? '', owner.name);
}

export function createWorkloadMemory(deps: {
  readonly api: ClusterApi;
  /** The watch's copy of the node. */
  readonly node: (name: string) => V1Node | undefined;
  readonly source: Pick<WorkloadSource, 'synced' | 'workload'>;
}): RememberDisrupted {
  // The record this process wrote last per node: the watch may not show it yet, and a second pass
  // must not take the counts its own evictions lowered for the counts before the drain.
  const written = new Map<string, EvictedWorkloads>();
  return async (name, pods) => {
    const cached = deps.node(name);
    if (!cached) return;
    const observed = observeNode(cached);
    const round = observed.progress?.startedAt;
    if (!round) return;
    const mine = written.get(name);
    const current = mine?.round === round ? mine : observed.evicted;
    const seen = new Map<WorkloadKey, number | null>();
    for (const pod of pods) {
      const key = workloadOf(pod);
      if (!key || seen.has(key) || (current?.round === round && key in current.workloads)) continue;
      const status = deps.source.synced() ? deps.source.workload(key) : undefined;
      seen.set(key, status ? status.ready : null);
    }
    const next = rememberWorkloads(current, round, seen);
    if (!next) return;
    try {
      await deps.api.patchNode(name, { metadata: { annotations: { [CONTROLLER.evictedWorkloads]: JSON.stringify(next) } } });
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    written.set(name, next);
  };
}
