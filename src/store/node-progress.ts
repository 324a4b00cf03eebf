// A node's reboot progress as stored on the Node (annotation kreboot.dev/state, ADR 0002). The
// controller's memory is only a cache of this record, so a restart resumes every node.

import { jsonRecord } from './parse-json.ts';

export type Phase =
  | 'queued' // requested; gates open, waiting for a free slot
  | 'waiting' // requested; a gate is closed (reason says which)
  | 'cordoned' // holds a slot; cordoned; drain about to start (after --drain-delay)
  | 'draining'
  | 'rebooting' // job handed to the agent
  | 'verifying' // boot ID changed; waiting for Ready and the sentinel to clear
  | 'done'
  | 'failed'; // see `retryAt` (retry later) or `final` (needs an operator)

/** Every phase, in the order a reboot goes through them. */
export const PHASES: readonly Phase[] = ['queued', 'waiting', 'cordoned', 'draining', 'rebooting', 'verifying', 'done', 'failed'];

export const IN_FLIGHT_PHASES: ReadonlySet<Phase> = new Set(['cordoned', 'draining', 'rebooting', 'verifying']);

export interface NodeProgress {
  readonly phase: Phase;
  /** RFC 3339: when this phase began. */
  readonly since: string;
  readonly reason: string;
  /** Whether the node was unschedulable before kreboot cordoned it (then it stays cordoned). */
  readonly wasUnschedulable?: boolean;
  readonly jobId?: string;
  readonly bootIdBefore?: string;
  /** Reboots dispatched for the current request (reboot-loop guard). */
  readonly attempts?: number;
  /** RFC 3339: a failed node is retried from then on. */
  readonly retryAt?: string;
  /** A failed node that must not be rebooted again until an operator asks. */
  readonly final?: boolean;
  /** This failure halted the rollout (the node did not come back); resume re-arms its timeout. */
  readonly haltedRollout?: boolean;
  /**
   * This failure halts the rollout though the node was given back (a hook failed with
   * --hook-failure=halt, ADR 0019): not out of service, but the halt is derived from it until a resume.
   */
  readonly holdsRollout?: boolean;
  /** RFC 3339: when the current rollout of this node started (cordon), for durations. */
  readonly startedAt?: string;
  /**
   * With pools: the pool the node was cordoned in. It stays that pool's while out of service,
   * whatever its labels say meanwhile and whether or not the lock still names it (pools/membership.ts).
   */
  readonly pool?: string;
  /** The node did not come back and an opt-in recovery policy is working on it (policy/recovery.ts). */
  readonly recovery?: Recovery;
  /**
   * A waiting node's hold as the gate gave it (`reason` keeps its words, `<gate>: <reason>`), so the
   * status reads the gate, its reopening time and what holds the node without parsing the words.
   */
  readonly hold?: GateHoldRecord;
}

/** What holds a waiting node, structured (policy/decide.ts writes it from the gate's verdict). */
export interface GateHoldRecord {
  /** The gate's name (maintenance-window, prometheus-alerts, blocking-pods, paused, halted, …). */
  readonly gate: string;
  /** RFC 3339: when the gate said to look again (a closed window's next opening). */
  readonly retryAt?: string;
  /** What holds the node by name (alerts, pods), at most ten and then "…". */
  readonly holding?: readonly string[];
}

/** What the recovery policies (--stuck-node-*) tried on a node that did not come back. */
export interface Recovery {
  /** RFC 3339: when the node was first found stuck in this reboot. */
  readonly since: string;
  /** Why it was found stuck (the halt's reason it stands in for). */
  readonly cause: string;
  /** Reboots kreboot tried again (--stuck-node-reboot-retries). */
  readonly retries: number;
  /** The retry window for a node that was not Ready was used (once per stuck reboot). */
  readonly waited?: boolean;
  /** RFC 3339: when the node was handed to remediation (--stuck-node-remediation-label/-annotation). */
  readonly handedAt?: string;
  /** RFC 3339: the current step's deadline, which replaces the reboot timeout while it runs. */
  readonly until: string;
}

/** Whether kreboot is recovering the node: it is in flight under a recovery policy (the rollout waits on it). */
export function isRecovering(progress: NodeProgress | undefined): boolean {
  return isInFlight(progress) && progress?.recovery !== undefined;
}

const KNOWN_PHASES: ReadonlySet<string> = new Set(PHASES);

/** Parses the stored record; an unreadable record is treated as absent (and logged by the caller). */
export function parseProgress(text: string | undefined): NodeProgress | undefined {
  const value = jsonRecord<Partial<NodeProgress>>(text);
  if (!value || !KNOWN_PHASES.has(String(value.phase)) || typeof value.since !== 'string') return undefined;
  return { reason: '', ...value } as NodeProgress;
}

export function isInFlight(progress: NodeProgress | undefined): boolean {
  return progress !== undefined && IN_FLIGHT_PHASES.has(progress.phase);
}

/**
 * Whether kreboot has the node out of service: in flight, or failed without being given back (it
 * did not come back and halted the rollout). Such a node holds its slot until it is restored or
 * done, whatever else is asked of it (the safety invariant: never more nodes out than the concurrency).
 */
export function isOutOfService(progress: NodeProgress | undefined): boolean {
  return isInFlight(progress) || (progress?.phase === 'failed' && progress.haltedRollout === true);
}

/** The reason of a node queued for a slot. */
export const NO_FREE_SLOT = 'waiting for a free slot';
