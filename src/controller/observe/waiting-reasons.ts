// Why a node waits, as one word per kind, for the metric kreboot_nodes_waiting{reason}: a bounded
// set of values a dashboard can stack and an alert can name, where the full reason (with its
// alert names, pods and times) would make a new series per change. A waiting node's reason is
// `<gate>: <words>` (policy/decide.ts), so the gate's name is the kind; a queued node waits for a
// slot, its zone, or its zone's turn.

import type { ObservedNode } from '../policy/observed-node.ts';
import { isOutOfService, NO_FREE_SLOT } from '../../store/node-progress.ts';

/** The kind of wait, or undefined for a node that does not wait (idle, out of service, done). */
export function waitingReason(node: ObservedNode): string | undefined {
  const progress = node.progress;
  if (isOutOfService(progress)) return undefined;
  if (progress?.phase === 'waiting') return /^([a-z][a-z0-9-]*): /.exec(progress.reason)?.[1] ?? 'other';
  if (progress?.phase === 'queued') {
    if (progress.reason.startsWith(NO_FREE_SLOT)) return 'concurrency';
    if (progress.reason.startsWith('zone by zone:')) return 'zone-by-zone';
    if (progress.reason.includes('--max-unavailable-per-zone')) return 'zone';
    return 'queued';
  }
  // A request that has no record yet, or one newer than the node's last finished round.
  if (node.request && (progress === undefined || progress.phase === 'done' || progress.phase === 'failed')) return 'queued';
  return undefined;
}
