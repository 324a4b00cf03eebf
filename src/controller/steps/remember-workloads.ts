// The workload gate's memory of a drain (ADR 0018): before a drain pass evicts anything, the
// controllers of the pods on the node — those it evicts, and the DaemonSets whose pods the reboot
// restarts — are added to the node's kreboot.dev/evicted-workloads record with how many of their
// pods were Ready then (the count the gate waits to see again). A Job's pods and bare pods are not
// recorded: nothing brings them back to wait for. This module only computes the record; the
// drain's first write carries it with the draining record, before any eviction (steps/drain.ts,
// ADR 0026), and a later pass that finds a new workload writes it alone.

import type { V1Pod } from '@kubernetes/client-node';
import { CONTROLLER } from '../../store/keys.ts';
import {
  rememberWorkloads,
  WORKLOAD_KINDS,
  workloadKey,
  type EvictedWorkloads,
  type WorkloadKey,
  type WorkloadKind,
} from '../../store/evicted-workloads.ts';
import type { WorkloadSource } from '../cluster/workload-view.ts';
import type { ObservedNode } from '../policy/observed-node.ts';

/** The workload a pod belongs to, when it is one the gate can read. */
export function workloadOf(pod: V1Pod): WorkloadKey | undefined {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return undefined;
  const owner = pod.metadata?.ownerReferences?.find((ref) => ref.controller === true);
  if (!owner || !WORKLOAD_KINDS.includes(owner.kind as WorkloadKind)) return undefined;
  return workloadKey(owner.kind as WorkloadKind, pod.metadata?.namespace ?? '', owner.name);
}

/** The record as the annotation change that writes it. */
export function evictedWorkloadsAnnotation(record: EvictedWorkloads): Record<string, string> {
  return { [CONTROLLER.evictedWorkloads]: JSON.stringify(record) };
}

export interface WorkloadMemory {
  /**
   * The node's record with the workloads of `pods` added, to be written before the pass evicts
   * anything; undefined when it would add nothing (or the node has no round). `node` is the node as
   * the cycle that started the pass saw it (its own cordon included, even before the watch shows it).
   */
  next(node: ObservedNode, pods: readonly V1Pod[]): EvictedWorkloads | undefined;
  /** The record landed on the Node. */
  wrote(node: string, record: EvictedWorkloads): void;
}

export function createWorkloadMemory(deps: { readonly source: Pick<WorkloadSource, 'synced' | 'workload'> }): WorkloadMemory {
  // The record this process wrote last per node: the watch may not show it yet, and a second pass
  // must not take the counts its own evictions lowered for the counts before the drain.
  const written = new Map<string, EvictedWorkloads>();
  return {
    next(observed, pods) {
      const round = observed.progress?.startedAt;
      if (!round) return undefined;
      const mine = written.get(observed.name);
      const current = mine?.round === round ? mine : observed.evicted;
      const seen = new Map<WorkloadKey, number | null>();
      for (const pod of pods) {
        const key = workloadOf(pod);
        if (!key || seen.has(key) || (current?.round === round && key in current.workloads)) continue;
        const status = deps.source.synced() ? deps.source.workload(key) : undefined;
        seen.set(key, status ? status.ready : null);
      }
      return rememberWorkloads(current, round, seen);
    },
    wrote(name, record) {
      written.set(name, record);
    },
  };
}
