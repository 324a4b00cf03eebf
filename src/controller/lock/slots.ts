// Concurrency slots on top of kured's lock record: pure functions that compute the next lock value,
// to be written by the rollout store with optimistic concurrency.

import { NO_FREE_SLOT } from '../../store/node-progress.ts';
import { isExpired, serializeLock, type LockHolder, type LockRecord } from '../../store/lock-record.ts';

export interface SlotSettings {
  readonly concurrency: number;
  readonly ttlMs: number;
}

export type AcquireResult =
  { readonly acquired: true; readonly value: string | null } | { readonly acquired: false; readonly reason: string };

const NONE: ReadonlySet<string> = new Set();

/**
 * Holders that count against the concurrency. Expired ones no longer do (kured #822), except our
 * holders of nodes kreboot still has out of service (`pinned`): a TTL frees a forgotten slot,
 * never the slot of a node that is cordoned, rebooting or missing.
 */
export function liveHolders(lock: LockRecord, settings: SlotSettings, now: Date, pinned: ReadonlySet<string> = NONE): LockHolder[] {
  return lock.holders.filter((holder) => (holder.ours && pinned.has(holder.nodeID)) || !isExpired(holder, settings.ttlMs, now));
}

export function foreignHolders(lock: LockRecord, settings: SlotSettings, now: Date): LockHolder[] {
  return liveHolders(lock, settings, now).filter((holder) => !holder.ours);
}

export function holds(lock: LockRecord, node: string): boolean {
  return lock.holders.some((holder) => holder.ours && holder.nodeID === node);
}

/** A node asking for a slot, with what decides whether its old holder still counts. */
export interface SlotRequest {
  readonly node: string;
  /** Whether the node was already unschedulable (kured keeps it in the holder, to restore it). */
  readonly unschedulable: boolean;
  /** Our holders of nodes kreboot still has out of service: they count whatever their TTL says. */
  readonly pinned?: ReadonlySet<string>;
  /**
   * For a node kreboot already has out of service whose holder went missing: the lock must show it
   * again whatever else holds the lock, since the node is out either way.
   */
  readonly reclaim?: boolean;
  /** When the node's current round began: a reclaimed holder is dated so, for the round's release. */
  readonly roundStartedAt?: string;
  /** When the node's last finished round (done or failed) began: its holder is not this start's. */
  readonly finishedRoundStartedAt?: string;
}

/** Takes a slot for `request.node`. */
export function acquire(lock: LockRecord, request: SlotRequest, settings: SlotSettings, now: Date): AcquireResult {
  const { node, unschedulable, pinned = NONE, reclaim = false, roundStartedAt, finishedRoundStartedAt } = request;
  const all = liveHolders(lock, settings, now, pinned);
  const held = all.find((holder) => holder.ours && holder.nodeID === node);
  // The node's holder from its finished round, whose release has not landed yet, is not this
  // start's: it is replaced by a fresh one taken like any other, so that late release cannot take
  // the new slot away and the capacity is still checked (found by the simulation, seeds 1905, 4468).
  const stale =
    held !== undefined &&
    !reclaim &&
    finishedRoundStartedAt !== undefined &&
    held.created !== undefined &&
    !(Date.parse(held.created) > Date.parse(finishedRoundStartedAt));
  const live = stale ? all.filter((holder) => holder !== held) : all;
  const mine = stale ? undefined : held;
  if (mine) return { acquired: true, value: serializeLock({ holders: live }, settings.concurrency, settings.ttlMs) };
  if (reclaim) {
    // Dated as the round it belongs to, so the release at the round's end gives it back.
    const holder: LockHolder = { nodeID: node, created: roundStartedAt ?? now.toISOString(), unschedulable, ours: true };
    return { acquired: true, value: serializeLock({ holders: [...live, holder] }, settings.concurrency, settings.ttlMs) };
  }
  const foreign = live.filter((holder) => !holder.ours);
  if (foreign.length > 0)
    return {
      acquired: false,
      reason: `lock held by ${foreign.map((holder) => holder.nodeID).join(', ')} (kured's manual pause, or another reboot daemon)`,
    };
  // Nodes out of service count even if their holder went missing: the lock can be edited, the
  // nodes' records are what is true.
  const occupied = new Set([...live.map((holder) => holder.nodeID), ...pinned]).size;
  if (occupied >= settings.concurrency) return { acquired: false, reason: NO_FREE_SLOT };
  const holder: LockHolder = { nodeID: node, created: now.toISOString(), unschedulable, ours: true };
  return { acquired: true, value: serializeLock({ holders: [...live, holder] }, settings.concurrency, settings.ttlMs) };
}

/**
 * The lock without `nodes` (our holders only), and without holders that expired or whose Node is
 * gone; undefined when nothing changes.
 */
export function release(
  lock: LockRecord,
  nodes: ReadonlySet<string>,
  existing: (node: string) => boolean,
  settings: SlotSettings,
  now: Date,
  pinned: ReadonlySet<string> = NONE,
  /**
   * Only holders of `nodes` taken no later than this (RFC 3339) go: a holder taken since belongs
   * to a newer start of that node, perhaps by another replica (found by the simulation).
   */
  takenNoLaterThan?: string,
): string | null | undefined {
  const limit = takenNoLaterThan === undefined ? Infinity : Date.parse(takenNoLaterThan);
  const kept = lock.holders.filter((holder) => {
    const isPinned = holder.ours && pinned.has(holder.nodeID);
    const ofThisRound = holder.created === undefined || !(Date.parse(holder.created) > limit);
    if (holder.ours && nodes.has(holder.nodeID) && !isPinned && ofThisRound) return false;
    if (isPinned) return true;
    if (isExpired(holder, settings.ttlMs, now)) return false;
    // A holder written by a daemon (it has a creation time) whose Node was deleted is released;
    // a hand-written pause such as {"nodeID":"manual"} is not a node and stays.
    if (holder.created !== undefined && !existing(holder.nodeID)) return false;
    return true;
  });
  if (kept.length === lock.holders.length) return undefined;
  return serializeLock({ holders: kept }, settings.concurrency, settings.ttlMs);
}
