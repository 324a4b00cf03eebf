// The workload gate's settings and what its two halves share (ADR 0018): the next node waits until
// the workloads the last reboots evicted are Ready again (workloads-gate.ts) and until every
// PodDisruptionBudget covering its pods allows a disruption (disruption-budget-gate.ts), at most
// --workload-gate-timeout; then it halts the rollout or stops waiting, as the operator chose.

import type { WorkloadSource } from '../controller/cluster/workload-view.ts';
import type { ObservedNode } from '../controller/policy/observed-node.ts';

export interface WorkloadGateSettings {
  /** How long one wait may last; 0 waits for ever. */
  readonly timeoutMs: number;
  readonly onTimeout: 'halt' | 'continue';
}

export interface WorkloadGateDeps {
  readonly source: WorkloadSource;
  /** Every node as the policy sees it (their records say what each drain evicted). */
  readonly nodes: () => readonly ObservedNode[];
  /** RFC 3339: the operator's last resume (after a halt the wait starts again from it). */
  readonly resumedAt: () => string | undefined;
  readonly settings: WorkloadGateSettings;
  /**
   * Says, once per wait, that the gate stopped waiting (continue): an Event on the node and a log
   * line. A courtesy: it never fails the gate.
   */
  readonly announce: (node: string, message: string) => void;
}

/** "30m", "90s": a duration as the flags write it, for reasons people read. */
export function shortDuration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  return `${Math.round(ms / 1000)}s`;
}

/** The names of what a gate waits on, shown a few at a time. */
export function listed(items: readonly string[], most = 3): string {
  return items.length <= most ? items.join(', ') : `${items.slice(0, most).join(', ')} and ${items.length - most} more`;
}

/** The reason while the watch has not listed: with its failure when it has one (never "go" meanwhile). */
export function notListed(what: string, source: Pick<WorkloadSource, 'problem'>): string {
  const problem = source.problem?.();
  return problem ? `cannot watch the ${what}: ${problem}` : `the watch of ${what} has not listed them yet`;
}
