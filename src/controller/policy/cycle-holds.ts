// The cycle-level composition of verdicts, pure: what decide() is told about one node in a cycle
// and what one node's action means for the rest of the cycle. decide() judges one node; these rules
// join the nodes of one cycle: a rollout-wide hold (rollout-hold.ts) comes before the slot ledger's
// offer, the offer before the gates' verdict; a node that halts the rollout (or that a recovery
// policy starts on) holds every candidate after it in the same cycle; a candidate a gate holds
// with no time of its own to look again comes back after --gate-recheck-period.

import type { Verdict } from '../../gates/gate.ts';
import type { Action, RunnerFact } from './decide.ts';
import type { Offer } from './plan.ts';
import { haltVerdict } from './rollout-hold.ts';

/** What decide() is told about a node before its first action in the cycle. */
export interface NodeInput {
  readonly verdict?: Verdict;
  readonly fact?: RunnerFact;
}

/**
 * The precedence for one node: a non-candidate is told nothing; a candidate under a hold gets the
 * hold (no slot is offered, no gate asked); otherwise the ledger's offer, and only a candidate the
 * ledger would take gets the gates' verdict; one the ledger turns away waits with the ledger's
 * reason (slot, zone) as a `no-slot` fact.
 */
export function nodeInput(input: {
  readonly isCandidate: boolean;
  readonly hold: Verdict | undefined;
  readonly offer: () => Offer;
  readonly verdictOf: ((node: string) => Verdict) | undefined;
  readonly node: string;
}): NodeInput {
  if (!input.isCandidate) return {};
  if (input.hold) return { verdict: input.hold };
  const offer = input.offer();
  if (!offer.ok) return { fact: { type: 'no-slot', reason: offer.reason } };
  return input.verdictOf ? { verdict: input.verdictOf(input.node) } : {};
}

/**
 * The hold an action leaves on the rest of the cycle, given the one already in force: a node that
 * fails with a halt (or holds the rollout) halts it; a recovery's start makes the rollout wait on
 * its outcome, unless something holds it already.
 */
export function holdAfter(node: string, action: Action, current: Verdict | undefined): Verdict | undefined {
  if (action.type === 'fail' && (action.halt || action.holdRollout)) return haltVerdict(node, action.reason);
  if (action.type === 'recover' && !current)
    return { open: false, gate: 'recovering', reason: `rollout waits on ${node}: ${action.progress.reason}` };
  return current;
}

/**
 * When the cycle looks again at a candidate a gate holds: the gate's own time when it gave one (a
 * window's opening, handled by decide's requeue), else after the recheck period.
 */
export function gateRecheckAt(isCandidate: boolean, verdict: Verdict | undefined, now: Date, gateRecheckMs: number): Date | undefined {
  return isCandidate && verdict && !verdict.open && !verdict.retryAt ? new Date(now.getTime() + gateRecheckMs) : undefined;
}
