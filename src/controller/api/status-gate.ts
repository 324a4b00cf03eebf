// What holds a waiting node, in parts a page can show: the gate, its words, and the facts that say
// when it may open (the window's next opening, the firing alerts, the blocking pods). A waiting
// node's stored reason is `<gate>: <gate's reason>` (policy/decide.ts); the gates' reasons have the
// fixed shapes below (src/gates/). A reason in any other shape is still shown, as words only.

import { BLOCKING_PODS_GATE } from '../../gates/blocking-pods-gate.ts';
import { MAINTENANCE_WINDOW_GATE } from '../../gates/maintenance-window-gate.ts';
import { PROMETHEUS_ALERTS_GATE } from '../../gates/prometheus-alerts-gate.ts';

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

/** The list after "N things: a, b, c" (gates list at most ten names and then "…"). */
function listAfterColon(detail: string): string[] {
  const colon = detail.indexOf(': ');
  if (colon < 0) return [];
  return detail
    .slice(colon + 2)
    .split(', ')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export function gateHold(reason: string): GateHold | undefined {
  const match = /^([a-z][a-z0-9-]*): (.*)$/s.exec(reason);
  if (!match) return undefined;
  const gate = match[1]!;
  const detail = match[2]!;
  if (gate === MAINTENANCE_WINDOW_GATE) {
    const opens = /; opens at (\S+)$/.exec(detail)?.[1];
    return opens && !Number.isNaN(Date.parse(opens)) ? { gate, detail, opensAt: opens } : { gate, detail };
  }
  if (gate === PROMETHEUS_ALERTS_GATE && /^\d+ active alerts?: /.test(detail)) return { gate, detail, alerts: listAfterColon(detail) };
  if (gate === BLOCKING_PODS_GATE && /^\d+ blocking pods?: /.test(detail)) return { gate, detail, pods: listAfterColon(detail) };
  return { gate, detail };
}
