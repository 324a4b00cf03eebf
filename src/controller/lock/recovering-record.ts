// The recovery records kept on the lock DaemonSet (kreboot.dev/recovering), one per node a recovery
// policy works on (policy/recovery.ts). The node's own record says what is tried; this one outlives
// the node, because the node-repair controller a node is handed to may delete it (Cluster API's
// MachineHealthCheck replaces the Machine, a cloud's auto-repair recreates the VM). Each record ends
// when its outcome is known: the node back, or halted (the halt record takes over), or a
// replacement Node registered after the handoff; a node still gone at its deadline halts the rollout.

import type { AnnotationChanges } from '../../kube/annotations.ts';
import { RECOVERING_ANNOTATION } from '../../store/keys.ts';
import { isRecovering } from '../../store/node-progress.ts';
import type { RecoveringRecord, RolloutRecord } from '../../store/rollout-record.ts';
import type { ObservedNode } from '../policy/observed-node.ts';
import { keepHalt } from './halt-record.ts';

export interface Settled {
  /** The write to make on the rollout record; undefined: nothing changed. */
  readonly changes?: AnnotationChanges;
  /** The earliest deadline of a record kept for a node that is gone (ms; Infinity: none). */
  readonly nextDeadline: number;
}

/** Decides, on `record`, which recovery records stay, and the halt for a node gone past its deadline. */
export function settleRecovering(record: RolloutRecord, nodes: readonly ObservedNode[], now: Date): Settled {
  const kept = record.recovering ?? [];
  if (kept.length === 0) return { nextDeadline: Infinity };
  const byName = new Map(nodes.map((node) => [node.name, node]));
  const remaining: RecoveringRecord[] = [];
  let halt: { at: string; node: string; reason: string } | undefined;
  let nextDeadline = Infinity;
  for (const entry of kept) {
    const node = byName.get(entry.node);
    if (node) {
      // The node (or a new Node under its name, which carries no record) says where it is.
      if (isRecovering(node.progress)) remaining.push(entry);
      continue;
    }
    const replaced = nodes.some((other) => registeredSince(other.created, entry.at));
    if (replaced) continue;
    const deadline = Date.parse(entry.until);
    if (deadline > now.getTime()) {
      remaining.push(entry);
      nextDeadline = Math.min(nextDeadline, deadline);
      continue;
    }
    halt ??= {
      at: now.toISOString(),
      node: entry.node,
      reason: `${entry.reason}; the node is gone and no replacement registered by ${entry.until || 'its deadline'}`,
    };
  }
  if (remaining.length === kept.length) return { nextDeadline };
  const changes: AnnotationChanges = { [RECOVERING_ANNOTATION]: remaining.length > 0 ? JSON.stringify(remaining) : null };
  // The halt goes in the same write that ends the wait, so no moment exists without either.
  if (halt) Object.assign(changes, keepHalt(halt, record) ?? {});
  return { changes, nextDeadline };
}

/**
 * Whether a Node created at `created` registered after `at`. The API server stamps creation times to
 * the second, so a Node registered within the same second as the handoff (a fast repair, a test)
 * counts: compared to the second, never missed (found by the integration test; the simulation's
 * model stamps seconds too).
 */
export function registeredSince(created: string | undefined, at: string): boolean {
  if (created === undefined) return false;
  return Date.parse(created) >= Math.floor(Date.parse(at) / 1000) * 1000;
}
