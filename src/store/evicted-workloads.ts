// What a drain disrupted, recorded on the Node before its first eviction (annotation
// kreboot.dev/evicted-workloads): the controllers of the pods it evicts and of the DaemonSet pods
// the reboot restarts, each with how many of its pods were Ready just before. The workload gate
// (src/gates/workloads-gate.ts) holds the next node until each is back to that count; kept on the
// Node, so a controller restarted after the evictions still knows what to wait for (ADR 0018).

import { parseJsonRecord } from './parse-json.ts';

/** The controllers the gate can read: a pod's controller of another kind (a Job, a custom one) is not recorded. */
export type WorkloadKind = 'ReplicaSet' | 'StatefulSet' | 'DaemonSet';
export const WORKLOAD_KINDS: readonly WorkloadKind[] = ['ReplicaSet', 'StatefulSet', 'DaemonSet'];

/** `Kind/namespace/name`. */
export type WorkloadKey = string;

export interface EvictedWorkloads {
  /** The round it belongs to (the node's progress.startedAt): a record of an older round is replaced. */
  readonly round: string;
  /** Workload → its Ready pods just before the drain; null when that was unknown (not yet listed). */
  readonly workloads: Readonly<Record<WorkloadKey, number | null>>;
}

export function workloadKey(kind: WorkloadKind, namespace: string, name: string): WorkloadKey {
  return `${kind}/${namespace}/${name}`;
}

export function splitWorkloadKey(key: WorkloadKey): { kind: WorkloadKind; namespace: string; name: string } | undefined {
  const [kind, namespace, name, ...rest] = key.split('/');
  if (!kind || !namespace || !name || rest.length > 0 || !WORKLOAD_KINDS.includes(kind as WorkloadKind)) return undefined;
  return { kind: kind as WorkloadKind, namespace, name };
}

/** The record, or undefined when absent or unreadable (an unreadable one holds nothing: see the ADR). */
export function parseEvicted(text: string | undefined): EvictedWorkloads | undefined {
  const parsed = parseJsonRecord<EvictedWorkloads>(
    text,
    (value) => typeof value.round === 'string' && typeof value.workloads === 'object' && value.workloads !== null,
  );
  return parsed.state === 'ok' ? parsed.value : undefined;
}

/**
 * The record after a drain pass saw `seen` (workload → Ready count now): a new round replaces the
 * old record; within a round the first count stays (later passes see it lowered by the evictions).
 * Undefined when nothing new would be written.
 */
export function rememberWorkloads(
  current: EvictedWorkloads | undefined,
  round: string,
  seen: ReadonlyMap<WorkloadKey, number | null>,
): EvictedWorkloads | undefined {
  const kept = current?.round === round ? current.workloads : {};
  const added = [...seen].filter(([key]) => !(key in kept));
  // Nothing new, or nothing at all this round (an older round's record holds nothing: its round differs).
  if (added.length === 0) return undefined;
  return { round, workloads: { ...kept, ...Object.fromEntries(added) } };
}
