// Watches a rollout through the controller's status API (GET /api/v1/status, what an operator
// sees) and records one transition each time a node's phase or reason changes. The demo prints the
// transitions as they come; the tests read them for the order of phases and the timings. While the
// controller is down (killed on purpose) polls fail and are skipped.

import type { Status } from '../../../src/controller/status/status.ts';

export interface Transition {
  readonly at: Date;
  readonly node: string;
  readonly phase: string;
  readonly reason: string;
}

export interface ProgressWatch {
  readonly transitions: readonly Transition[];
  /** First time `node` was seen in `phase`. */
  firstAt(node: string, phase: string): Date | undefined;
  /** The distinct phases `node` went through, in order. */
  phases(node: string): string[];
  /** The most nodes the status API ever listed as in flight at once. */
  maxInFlight(): number;
  /** The latest status the API returned. */
  last(): Status | undefined;
  stop(): void;
}

export function watchProgress(status: () => Promise<Status>, onTransition?: (t: Transition) => void, intervalMs = 100): ProgressWatch {
  const transitions: Transition[] = [];
  const current = new Map<string, string>();
  let last: Status | undefined;
  let polling = false;
  let maxInFlight = 0;
  const poll = async () => {
    if (polling) return;
    polling = true;
    try {
      last = await status();
      const at = new Date();
      maxInFlight = Math.max(maxInFlight, last.inFlight.length);
      for (const node of last.nodes) {
        const key = `${node.phase}\u0000${node.reason}`;
        if (current.get(node.name) === key) continue;
        current.set(node.name, key);
        const transition = { at, node: node.name, phase: node.phase, reason: node.reason };
        transitions.push(transition);
        onTransition?.(transition);
      }
    } catch {
      // the controller is restarting; the next poll catches up
    } finally {
      polling = false;
    }
  };
  const timer = setInterval(() => void poll(), intervalMs);
  void poll();
  return {
    transitions,
    firstAt: (node, phase) => transitions.find((t) => t.node === node && t.phase === phase)?.at,
    phases(node) {
      const seen: string[] = [];
      for (const t of transitions) if (t.node === node && seen.at(-1) !== t.phase) seen.push(t.phase);
      return seen;
    },
    maxInFlight: () => maxInFlight,
    last: () => last,
    stop: () => clearInterval(timer),
  };
}

export function formatTransition(t: Transition): string {
  return `${t.at.toISOString().slice(11, 23)}  ${t.node.padEnd(16)} ${t.phase.padEnd(10)} ${t.reason}`;
}
