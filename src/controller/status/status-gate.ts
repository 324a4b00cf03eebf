// What holds a waiting node, in parts a page can show: the gate, its words, and the facts that say
// when it may open (the window's next opening, the firing alerts, the blocking pods). Read from the
// hold the policy keeps on the waiting node's record (NodeProgress.hold, written by policy/decide.ts
// from the gate's verdict): nothing here parses the reason's words.

import { BLOCKING_PODS_GATE } from '../../gates/blocking-pods-gate.ts';
import { MAINTENANCE_WINDOW_GATE } from '../../gates/maintenance-window-gate.ts';
import { PROMETHEUS_ALERTS_GATE } from '../../gates/prometheus-alerts-gate.ts';
import type { NodeProgress } from '../../store/node-progress.ts';

export interface GateHold {
  /** The gate's name (maintenance-window, prometheus-alerts, blocking-pods, paused, halted, …). */
  readonly gate: string;
  readonly detail: string;
  /** RFC 3339: when a closed maintenance window opens next. */
  readonly opensAt?: string;
  /** Names of the alerts that hold the node (at most ten are stored, then "…"). */
  readonly alerts?: readonly string[];
  /** namespace/name of the blocking pods (at most ten, then "…"). */
  readonly pods?: readonly string[];
}

/** The hold of a waiting node's record; undefined when no gate holds it (or the record predates the hold). */
export function gateHold(progress: Pick<NodeProgress, 'reason' | 'hold'>): GateHold | undefined {
  const hold = progress.hold;
  if (!hold || typeof hold.gate !== 'string') return undefined;
  const { gate } = hold;
  // The record's words are `<gate>: <the gate's words>` (decide.ts); the detail is the gate's.
  const detail = progress.reason.startsWith(`${gate}: `) ? progress.reason.slice(gate.length + 2) : progress.reason;
  const holding = Array.isArray(hold.holding) ? hold.holding : undefined;
  if (gate === MAINTENANCE_WINDOW_GATE && hold.retryAt && !Number.isNaN(Date.parse(hold.retryAt)))
    return { gate, detail, opensAt: hold.retryAt };
  if (gate === PROMETHEUS_ALERTS_GATE && holding) return { gate, detail, alerts: holding };
  if (gate === BLOCKING_PODS_GATE && holding) return { gate, detail, pods: holding };
  return { gate, detail };
}
