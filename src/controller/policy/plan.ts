// The planning step of a decision cycle, pure like decide(): which nodes ask to start (the trigger
// mode applied), in which order nodes are decided, how many slots are free, whether the rollout is
// halted, and — as the cycle goes — which candidates may still take a slot. Tested by tables
// (test/unit/controller/plan.test.ts); the reconciler only performs what this says.

import type { LockRecord } from '../lock/lock-record.ts';
import type { HaltRecord, RolloutRecord } from '../lock/rollout-record.ts';
import { liveHolders, type SlotSettings } from '../lock/slots.ts';
import { resumedSince, wantsToStart } from './decide.ts';
import type { ObservedNode } from './observed-node.ts';
import { isOutOfService } from './progress.ts';

export type Trigger = 'alert' | 'node';

/** --trigger=node: the agent's own "reboot required" report is a request too. */
export function withTrigger(node: ObservedNode, trigger: Trigger): ObservedNode {
  if (trigger !== 'node' || node.request || node.rebootRequired !== true || !node.sentinelCheckedAt) return node;
  return { ...node, request: { at: node.sentinelCheckedAt, kind: 'node' } };
}

/** Candidates are served oldest request first; the name breaks ties so the order is stable. */
export function byRequestAge(a: ObservedNode, b: ObservedNode): number {
  return a.request!.at.localeCompare(b.request!.at) || a.name.localeCompare(b.name);
}

/**
 * The halt, derived on every cycle from the nodes' records, so it cannot be lost between two
 * writes: a node that did not come back (failed, kept out of service) and that no later resume
 * covers halts the rollout. A halt written on the lock DaemonSet by an older version counts too.
 */
export function rolloutHalt(nodes: readonly ObservedNode[], record: RolloutRecord | undefined): HaltRecord | undefined {
  const resumedAt = record?.resumed?.at;
  const halting = nodes
    .filter((node) => node.progress?.phase === 'failed' && node.progress.haltedRollout === true && !resumedSince(node.progress, resumedAt))
    .sort((a, b) => a.progress!.since.localeCompare(b.progress!.since) || a.name.localeCompare(b.name));
  const first = halting[0];
  if (first) return { at: first.progress!.since, node: first.name, reason: first.progress!.reason };
  return record?.halted;
}

export interface CyclePlan {
  /**
   * Every node in the order to decide it: nodes out of service first (finishing one frees the slot
   * the next candidate takes in the same cycle), then the rest, then the candidates.
   */
  readonly order: readonly ObservedNode[];
  /** Nodes asking to start, oldest request first: the only nodes shown to the gates. */
  readonly candidates: readonly ObservedNode[];
  /** Nodes kreboot has out of service: they count against the concurrency whatever the lock says. */
  readonly outOfService: ReadonlySet<string>;
  /** Slots free at the start of the cycle. */
  readonly free: number;
}

export function planCycle(nodes: readonly ObservedNode[], lock: LockRecord | undefined, settings: SlotSettings, now: Date): CyclePlan {
  const candidates: ObservedNode[] = [];
  const out: ObservedNode[] = [];
  const rest: ObservedNode[] = [];
  for (const node of nodes) {
    if (wantsToStart(node, now)) candidates.push(node);
    else if (isOutOfService(node.progress)) out.push(node);
    else rest.push(node);
  }
  candidates.sort(byRequestAge);
  const outOfService = new Set(out.map((node) => node.name));
  // An unreadable lock frees nothing (the rollout gate blocks anyway).
  const occupied = lock ? new Set([...liveHolders(lock, settings, now, outOfService).map((holder) => holder.nodeID), ...outOfService]).size : settings.concurrency;
  return { order: [...out, ...rest, ...candidates], candidates, outOfService, free: Math.max(0, settings.concurrency - occupied) };
}

/** Slot accounting within one cycle: a start takes a slot, a completion or a restore frees one. */
export interface SlotLedger {
  /** Whether a candidate may be offered a start now (it holds a slot already, or one is free). */
  mayStart(holdsSlot: boolean): boolean;
  took(): void;
  freed(): void;
}

export function slotLedger(free: number): SlotLedger {
  let available = free;
  return {
    mayStart: (holdsSlot) => holdsSlot || available > 0,
    took: () => {
      available--;
    },
    freed: () => {
      available++;
    },
  };
}
