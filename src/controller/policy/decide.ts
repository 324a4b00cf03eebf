// The reboot state machine as a pure function: from what is observed of one node (its Node record,
// whether it holds a concurrency slot, the gates' verdict, the operator's last resume, and what the
// runner just found out) and the time, the one next action. Every change of a node's phase is
// decided here and nowhere else: the runner performs the action and reports facts back (no slot
// was free, the drain finished or still waits), and operator actions and webhooks only record
// intents (a request, a withdrawal, a resume time) that this function reads. Nothing here does
// I/O, so the whole policy is tested with tables (docs/design.md, "The policy is a pure function").

import type { Verdict } from '../../gates/gate.ts';
import type { ObservedNode } from './observed-node.ts';
import { isInFlight, isOutOfService, NO_FREE_SLOT, type GateHoldRecord, type NodeProgress } from '../../store/node-progress.ts';
import type { HookRun } from '../../store/hook-records.ts';
import { decideHooks, hookRunning, hostHookLive, type HookSettings } from './decide-hooks.ts';
import { backForRetry, decideStuck, stepDeadline, type RecoverySettings } from './recovery.ts';

export interface PolicySettings {
  readonly drainDelayMs: number;
  /** 0 means no limit (kured's default). */
  readonly drainTimeoutMs: number;
  readonly forceReboot: boolean;
  readonly rebootTimeoutMs: number;
  readonly maxRebootAttempts: number;
  readonly lockReleaseDelayMs: number;
  /** Back-off before a failed drain or reboot command is tried again. */
  readonly retryBackoffMs: number;
  /** kured's --prefer-no-schedule-taint: when set, a queued node's record carries the taint. */
  readonly preferNoScheduleTaint?: string;
  /** Hooks around the reboot (ADR 0019); absent: none. */
  readonly hooks?: HookSettings;
  /** What to try on a node that does not come back before halting (--stuck-node-*); none: halt at once. */
  readonly recovery?: RecoverySettings;
}

/** What the runner found out while performing the previous action, for the next decision. */
export type RunnerFact =
  /** The slot could not be taken (none free, a foreign holder, an unreadable lock). */
  | { readonly type: 'no-slot'; readonly reason: string }
  /** A drain pass found no pod left that must leave. */
  | { readonly type: 'drained' }
  /** A drain pass left pods behind; the reason says which and why. */
  | { readonly type: 'drain-waiting'; readonly reason: string; readonly blockedByBudget: boolean }
  /** How a hook's Job stands (read by name; created first if its create never landed). */
  | { readonly type: 'hook-job'; readonly name: string; readonly state: 'running' | 'succeeded' | 'failed'; readonly message?: string };

export interface DecideInput {
  readonly holdsSlot: boolean;
  /**
   * The gates' verdict for a node that wants to start and could get a slot in this cycle
   * (rollout-wide holds such as a pause or a halt included); undefined when no slot is free.
   */
  readonly verdict?: Verdict;
  /** RFC 3339: the operator's last `kreboot resume`, which re-arms nodes that halted before it. */
  readonly resumedAt?: string;
  readonly fact?: RunnerFact;
}

export type Action =
  | { readonly type: 'none'; readonly requeueAt?: Date }
  /** Record a phase/reason without touching the node otherwise (queued, waiting, draining, withdrawn). */
  | { readonly type: 'record'; readonly progress: NodeProgress; readonly clearRequest?: boolean; readonly requeueAt?: Date }
  /** Ask the agent to check its sentinel now (the request may be stale). */
  | { readonly type: 'request-check' }
  /**
   * Take a slot, then cordon and record `cordoned`; reports `no-slot` if none could be taken.
   * `attempts`: the reboots already dispatched for this request (a retry serves the same request).
   */
  | { readonly type: 'start'; readonly attempts: number }
  /** A node kreboot holds out of service has no slot (lost by an edit or a TTL): take it back. */
  | { readonly type: 'reacquire' }
  /** One drain pass; reports `drained` or `drain-waiting`. */
  | { readonly type: 'drain' }
  /** Hand a reboot job to the agent; `attempts`: the count with this job (the reboot-loop guard). */
  | { readonly type: 'dispatch'; readonly attempts: number }
  /**
   * A recovery step on a node that did not come back (policy/recovery.ts), its record kept on the
   * lock DaemonSet first: another reboot job (retry), a wait for a node that is not Ready, or the
   * handoff to remediation (the marks set on the Node in the same write as the record).
   */
  | {
      readonly type: 'recover';
      readonly step: 'retry';
      readonly progress: NodeProgress;
      /** The retry's reboot job: the attempts with it. */
      readonly attempts: number;
    }
  | { readonly type: 'recover'; readonly step: 'wait' | 'handoff'; readonly progress: NodeProgress }
  /** A remediation alert for a node that halted the rollout: a new reboot job for it (its slot, the halt kept). */
  | { readonly type: 'remediate-halted'; readonly progress: NodeProgress; readonly attempts: number }
  | { readonly type: 'verify' }
  /**
   * Record `done` and restore the node; `releaseSlot`: give its slot back in the same step (no
   * --lock-release-delay), else the cycle comes back at `requeueAt` and the `done` phase releases it.
   */
  | { readonly type: 'complete'; readonly releaseSlot: boolean; readonly requeueAt?: Date }
  /** Give the node's slot back: only a holder taken no later than `takenNoLaterThan` (its round, or a stale leftover). */
  | { readonly type: 'release'; readonly takenNoLaterThan: string; readonly requeueAt?: Date }
  /** Remove a reboot job (or, with `hook`, a host hook) that no longer belongs to a reboot in progress. */
  | { readonly type: 'disarm'; readonly hook?: boolean }
  /** Record a hook run as running (same phase), then create its Job or hand its host hook to the agent. */
  | { readonly type: 'hook-start'; readonly run: HookRun; readonly progress: NodeProgress; readonly notAfter: Date }
  /** Read a running hook's Job; reports `hook-job`. */
  | { readonly type: 'hook-check'; readonly run: HookRun }
  /** Record a hook run's success (same phase); the next step follows. */
  | { readonly type: 'hook-finish'; readonly run: HookRun; readonly progress: NodeProgress }
  /** After a resume: wait again for a node that halted the rollout, with a fresh timeout. */
  | { readonly type: 'rearm'; readonly progress: NodeProgress }
  | {
      readonly type: 'fail';
      readonly reason: string;
      /** Uncordon (if kreboot cordoned it) and release the slot: the node is safe to use again. */
      readonly restore: boolean;
      readonly retryAt?: Date;
      readonly final?: boolean;
      /** The node did not come back: it stays out of service and the rollout is halted until a resume. */
      readonly halt?: boolean;
      /** A hook failed (ADR 0019): its run's outcome, written with the failure. */
      readonly hook?: HookRun;
      /** The attempts to record (a failed pre-drain hook counts as an attempt). */
      readonly attempts?: number;
      /** --hook-failure=halt: the rollout halts until resumed, while this node is given back. */
      readonly holdRollout?: boolean;
    };

const NONE: Action = { type: 'none' };

/**
 * A slot held by a node that is not out of service is a leftover (a crash between taking it and
 * cordoning) only once it is older than this: a younger one may be another replica's start that
 * has taken the slot and not yet cordoned.
 */
export const LEFTOVER_SLOT_MS = 60_000;

/** A slot too young to be a leftover stays; the cycle looks again once it would be old enough. */
const leftover = (now: Date): Action => ({
  type: 'release',
  takenNoLaterThan: new Date(now.getTime() - LEFTOVER_SLOT_MS).toISOString(),
  requeueAt: new Date(now.getTime() + LEFTOVER_SLOT_MS),
});
/** The slot of the round that ended (the holder was taken as the round started). */
const roundSlot = (progress: NodeProgress, now: Date): Action => {
  // Any holder older than a minute is a leftover too (a start that lost its cordon to a 409 left
  // a holder dated after the round began; found by the simulation, seed 951).
  const limit = Math.max(progress.startedAt ? Date.parse(progress.startedAt) : -Infinity, now.getTime() - LEFTOVER_SLOT_MS);
  return { type: 'release', takenNoLaterThan: new Date(limit).toISOString(), requeueAt: new Date(now.getTime() + LEFTOVER_SLOT_MS) };
};

function at(iso: string | undefined): number {
  return iso ? Date.parse(iso) : NaN;
}

function after(aIso: string | undefined, bIso: string | undefined): boolean {
  return at(aIso) > at(bIso);
}

/**
 * Whether the node asks to start a reboot now: it has a live request, kreboot does not hold it out
 * of service and it is not waiting out a back-off. Only these nodes are shown to the gates.
 */
export function wantsToStart(node: ObservedNode, now: Date): boolean {
  const { request, progress } = node;
  if (!request) return false;
  if (!progress) return true;
  if (isOutOfService(progress)) return false;
  switch (progress.phase) {
    case 'queued':
    case 'waiting':
      return true;
    case 'done':
      return after(request.at, progress.since);
    case 'failed':
      if (progress.final) return request.kind === 'api' && after(request.at, progress.since);
      return progress.retryAt === undefined || at(progress.retryAt) <= now.getTime();
    default:
      return false;
  }
}

/** Whether a waiting node's record still belongs to the request it serves (its attempts count). */
export function servesSameRequest(progress: NodeProgress | undefined): boolean {
  if (!progress) return false;
  return progress.phase === 'queued' || progress.phase === 'waiting' || (progress.phase === 'failed' && progress.final !== true);
}

/** Whether a node that halted the rollout is covered by a later resume (its re-arm is due). */
export function resumedSince(progress: NodeProgress, resumedAt: string | undefined): boolean {
  return resumedAt !== undefined && at(resumedAt) >= at(progress.since);
}

function record(
  node: ObservedNode,
  now: Date,
  phase: 'queued' | 'waiting',
  reason: string,
  requeueAt?: Date,
  writeNew = false,
  hold?: GateHoldRecord,
): Action {
  const current = node.progress;
  // Level-based: rewrite only when something a user would see changed. A request with no record
  // yet is queued by definition (the status says so from the request): writing "queued" on each of
  // thousands of requested nodes cost a patch and an Event per node for nothing a user could act on.
  // (Unless the record carries something else: kured's PreferNoSchedule taint on waiting nodes.)
  // A record of the same words without the structured hold (written before the hold was kept) is
  // written once more, so the status can read it.
  if (current ? current.phase === phase && current.reason === reason && current.hold?.gate === hold?.gate : phase === 'queued' && !writeNew)
    return requeueAt ? { type: 'none', requeueAt } : NONE;
  const carried = current && (current.phase === 'queued' || current.phase === 'waiting') ? current.since : now.toISOString();
  // Reboots already dispatched for this request still count while it waits again (the
  // simulation found a retry after a failure, held by a gate, starting its count from zero).
  const attempts = servesSameRequest(current) ? current?.attempts : undefined;
  return {
    type: 'record',
    progress: { phase, since: carried, reason, ...(attempts !== undefined ? { attempts } : {}), ...(hold ? { hold } : {}) },
    ...(requeueAt ? { requeueAt } : {}),
  };
}

function decideCandidate(node: ObservedNode, input: DecideInput, now: Date, settings: PolicySettings): Action {
  const tainted = (settings.preferNoScheduleTaint ?? '') !== '';
  const request = node.request!;
  const { holdsSlot, verdict, fact } = input;
  // A RebootRequired alert is only as fresh as the agent's last look at the sentinel: a firing
  // webhook that arrives after the node was rebooted must not reboot it again.
  if ((request.kind === 'alert' || request.kind === 'node') && node.rebootRequired === false) {
    if (after(node.sentinelCheckedAt, request.at)) {
      return {
        type: 'record',
        progress: { phase: 'done', since: now.toISOString(), reason: 'request withdrawn: the sentinel is not set' },
        clearRequest: true,
      };
    }
    // The agent's last look predates the request and said "not required": ask it to look now
    // rather than reboot on a report that may be stale either way.
    if (!after(node.checkRequestedAt, request.at)) return { type: 'request-check' };
    return record(node, now, 'waiting', 'waiting for the agent to check the sentinel again');
  }
  if (node.bootId === undefined) return record(node, now, 'waiting', 'no kreboot agent reports on this node');
  // A holder turned away (its zone is full) gives its slot back once it is old enough to be a
  // leftover, so two holders of one zone cannot wait on each other.
  if (fact?.type === 'no-slot') return holdsSlot ? leftover(now) : record(node, now, 'queued', fact.reason, undefined, tainted);
  if (!verdict) return holdsSlot ? start(node) : record(node, now, 'queued', NO_FREE_SLOT, undefined, tainted);
  // A slot taken before a crash (before the cordon) is given back while a gate is closed: a node
  // that is not out of service holds no slot.
  if (!verdict.open)
    return holdsSlot
      ? leftover(now)
      : record(node, now, 'waiting', `${verdict.gate}: ${verdict.reason}`, verdict.retryAt, false, holdOf(verdict));
  return start(node);
}

/** The gate's verdict as the waiting node keeps it: its name, its time to look again, what holds the node. */
function holdOf(verdict: Verdict & { open: false }): GateHoldRecord {
  return {
    gate: verdict.gate,
    ...(verdict.retryAt ? { retryAt: verdict.retryAt.toISOString() } : {}),
    ...(verdict.holding ? { holding: verdict.holding } : {}),
  };
}

/** A start carries the reboots already dispatched for the request it serves (a retry, or a wait after one). */
function start(node: ObservedNode): Action {
  return { type: 'start', attempts: servesSameRequest(node.progress) ? (node.progress?.attempts ?? 0) : 0 };
}

/** Another reboot job for the round: one more attempt. */
function dispatch(progress: NodeProgress): Action {
  return { type: 'dispatch', attempts: (progress.attempts ?? 0) + 1 };
}

/** The node is back: done; its slot goes now, or after --lock-release-delay (the `done` phase). */
function complete(now: Date, settings: PolicySettings): Action {
  if (settings.lockReleaseDelayMs <= 0) return { type: 'complete', releaseSlot: true };
  return { type: 'complete', releaseSlot: false, requeueAt: new Date(now.getTime() + settings.lockReleaseDelayMs) };
}

/**
 * The recorded Alertmanager silences to expire now: quiet maintenance ends with the reboot,
 * whichever way it ended (done, failed, halted: people must hear the node again). Never an action
 * of its own: the runner expires them beside the cycle, so a node whose silences cannot be expired
 * (Alertmanager down) still gives back its slot and starts its next reboot (issue 26).
 */
export function silencesToExpire(node: ObservedNode): readonly string[] {
  return isInFlight(node.progress) ? [] : (node.silences ?? []);
}

/** The one next action for a node. */
export function decide(node: ObservedNode, input: DecideInput, now: Date, settings: PolicySettings): Action {
  const { progress } = node;
  const { holdsSlot } = input;
  const nowMs = now.getTime();

  // A reboot job exists only beside the `rebooting` record that explains it (one patch writes
  // both); anywhere else it is stale — a timed-out or finished attempt, or not ours — and an agent
  // that starts late must not find it.
  if (node.job && progress?.phase !== 'rebooting' && progress?.phase !== 'verifying') return { type: 'disarm' };
  // The same for a host hook: it exists only beside its running run (ADR 0019).
  if (node.hookJob && !(isInFlight(progress) && hostHookLive(node))) return { type: 'disarm', hook: true };

  if (isOutOfService(progress) && !holdsSlot) return { type: 'reacquire' };

  // A failure that holds the rollout (a hook failed with --hook-failure=halt) is the halt's record on
  // the node: kept until a resume covers it, even past its retry time. Recorded as `waiting` (held by
  // that very halt), it left the halt on the lock DaemonSet alone, and a DaemonSet deleted and
  // created again took it (found by the simulation, seed 30028).
  if (progress?.phase === 'failed' && progress.holdsRollout === true && !resumedSince(progress, input.resumedAt))
    return holdsSlot ? roundSlot(progress, now) : NONE;

  if (wantsToStart(node, now)) return decideCandidate(node, input, now, settings);

  if (!progress) return holdsSlot ? leftover(now) : NONE;
  const since = at(progress.since);

  switch (progress.phase) {
    case 'queued':
    case 'waiting':
      // The request was withdrawn (a resolved alert, a silence): give back a slot taken before a
      // crash, then say so.
      if (holdsSlot) return leftover(now);
      return {
        type: 'record',
        progress: { phase: 'done', since: now.toISOString(), reason: 'request withdrawn before the reboot started' },
      };
    case 'cordoned':
      if (nowMs < since + settings.drainDelayMs) return { type: 'none', requeueAt: new Date(since + settings.drainDelayMs) };
      return decideHooks(node, progress, 'pre-drain', input, now, settings) ?? decideDrain(node, progress, input, now, settings);
    case 'draining':
      return decideDrain(node, progress, input, now, settings);
    case 'rebooting':
      return decideRebooting(node, progress, now, settings);
    case 'verifying':
      // A post-reboot hook that runs is awaited whatever the node shows meanwhile (it has its own timeout).
      if (hookRunning(node, progress, 'post-reboot')) return decideHooks(node, progress, 'post-reboot', input, now, settings)!;
      return decideVerifying(node, progress, input, now, settings);
    case 'done':
      if (holdsSlot) {
        const releaseAt = since + settings.lockReleaseDelayMs;
        return nowMs >= releaseAt ? roundSlot(progress, now) : { type: 'none', requeueAt: new Date(releaseAt) };
      }
      return NONE;
    case 'failed':
      if (progress.haltedRollout) return decideHalted(node, progress, input, now, settings);
      if (holdsSlot) return roundSlot(progress, now);
      if (progress.retryAt && node.request) return { type: 'none', requeueAt: new Date(progress.retryAt) };
      return NONE;
  }
}

const DRAIN_RECHECK_MS = 1000;
const DRAIN_BLOCKED_RECHECK_MS = 5000;

function decideDrain(node: ObservedNode, progress: NodeProgress, input: DecideInput, now: Date, settings: PolicySettings): Action {
  const nowMs = now.getTime();
  const drainingSince = progress.phase === 'draining' ? at(progress.since) : nowMs;
  if (progress.phase === 'draining' && settings.drainTimeoutMs > 0 && nowMs >= drainingSince + settings.drainTimeoutMs) {
    if (settings.forceReboot) return dispatch(progress);
    return {
      type: 'fail',
      reason: `drain did not finish within the drain timeout (${progress.reason || 'pods remain'})`,
      restore: true,
      retryAt: new Date(nowMs + settings.retryBackoffMs),
    };
  }
  const { fact } = input;
  if (fact?.type === 'drained') return dispatch(progress);
  if (fact?.type !== 'drain-waiting') return { type: 'drain' };
  const requeueAt = new Date(nowMs + (fact.blockedByBudget ? DRAIN_BLOCKED_RECHECK_MS : DRAIN_RECHECK_MS));
  // Persist the reason only when its kind changes (PDB-blocked, terminating, error), not on every
  // pass: status stays truthful without a write per second.
  const kind = (text: string) => text.split(':')[0];
  if (progress.phase === 'draining' && kind(progress.reason) === kind(fact.reason)) return { type: 'none', requeueAt };
  return { type: 'record', progress: drainingRecord(progress, now, fact.reason), requeueAt };
}

/**
 * The record of a drain that waits on `reason`, since the drain began. Also what the drain's first
 * pass writes before its first eviction (steps/drain-start.ts, ADR 0026).
 */
export function drainingRecord(progress: NodeProgress, now: Date, reason: string): NodeProgress {
  const { retryAt: _retry, final: _final, haltedRollout: _halted, ...kept } = progress;
  return { ...kept, phase: 'draining', since: progress.phase === 'draining' ? progress.since : now.toISOString(), reason };
}

function decideHalted(node: ObservedNode, progress: NodeProgress, input: DecideInput, now: Date, settings: PolicySettings): Action {
  // The halt holds until an operator resumes after it; a new request (kreboot reboot NODE) is kept
  // and served by the resumed attempt, never by giving the slot away. A remediation alert for
  // this very node acts at once (issue 24): the node is out of service already and keeps its
  // slot, so no cap is exceeded, and the halt stays for the rest of the rollout.
  if (!resumedSince(progress, input.resumedAt)) return remediateHalted(node, progress, now, settings);
  // A resume starts afresh: the recovery that led to the halt is over (the policies apply anew).
  const { final: _final, haltedRollout: _halted, retryAt: _retry, recovery: _recovery, ...kept } = progress;
  const rearm = (phase: 'rebooting' | 'verifying', reason: string): Action => ({
    type: 'rearm',
    progress: { ...kept, phase, since: now.toISOString(), reason },
  });
  if (node.bootId !== undefined && node.bootId !== progress.bootIdBefore)
    return rearm('verifying', 'resumed; the node came back: verifying it');
  if (node.ready) {
    // Up under the same boot: the reboot never happened (the agent did not run the job, or the
    // command did nothing). Waiting again would wait for nothing; another job may go while the
    // request's attempts last — the node is still cordoned and drained.
    const attempts = progress.attempts ?? 1;
    if (attempts < settings.maxRebootAttempts) return dispatch(progress);
    return {
      type: 'fail',
      reason: `resumed: the node is up but was not rebooted after ${attempts} attempt(s); given back, not rebooting again`,
      restore: true,
      final: true,
    };
  }
  return rearm('rebooting', 'resumed; waiting again for the node to come back');
}

/**
 * A firing remediation alert recorded after the halt (request-recorder.ts records it over the older
 * request): a new reboot job when the agent can run one, with the request's own attempt count;
 * handed to remediation when the node is not Ready and a remediation path is named; else it waits.
 */
function remediateHalted(node: ObservedNode, progress: NodeProgress, now: Date, settings: PolicySettings): Action {
  const request = node.request;
  if (request?.kind !== 'remediation' || !after(request.at, progress.since)) return NONE;
  const { final: _final, haltedRollout: _halted, retryAt: _retry, recovery: _recovery, ...kept } = progress;
  const alert = request.alertname ?? 'a remediation alert';
  if (node.ready && node.bootId !== undefined) {
    return {
      type: 'remediate-halted',
      // A new request: its count starts again, with this job as its first attempt.
      attempts: 1,
      progress: { ...kept, attempts: 0, reason: `${alert} fired for this halted node: rebooting it again (the rollout stays halted)` },
    };
  }
  const mark = settings.recovery?.remediation;
  if (!mark) return NONE;
  const stuck = decideStuck(
    node,
    { ...kept, phase: 'rebooting', since: now.toISOString(), reason: '' },
    now,
    { ...settings, recovery: { retries: 0, retryWindowMs: 0, remediation: mark } },
    `${alert} fired for this halted node, which is not Ready`,
  );
  return stuck;
}

function decideRebooting(node: ObservedNode, progress: NodeProgress, now: Date, settings: PolicySettings): Action {
  const status = node.jobStatus;
  if (node.bootId !== undefined && progress.bootIdBefore !== undefined && node.bootId !== progress.bootIdBefore) return { type: 'verify' };
  // Back up under the same boot within a retry window: the retry need not wait for the window's end.
  if (backForRetry(node, progress, settings))
    return decideStuck(node, progress, now, settings, progress.recovery?.cause ?? 'node did not come back');
  if (status && status.id === progress.jobId && status.state === 'failed') {
    const attempts = progress.attempts ?? 1;
    const detail = `reboot command failed${status.exitCode !== undefined ? ` (exit ${status.exitCode})` : ''}${status.message ? `: ${status.message}` : ''}`;
    if (attempts >= settings.maxRebootAttempts)
      return { type: 'fail', reason: `${detail}; gave up after ${attempts} attempts`, restore: true, final: true };
    return { type: 'fail', reason: detail, restore: true, retryAt: new Date(now.getTime() + settings.retryBackoffMs) };
  }
  const deadline = stepDeadline(progress, settings);
  if (now.getTime() >= deadline) {
    const how = !node.ready
      ? 'not Ready'
      : node.bootId === undefined
        ? 'no agent reports'
        : 'Ready under the same boot: the reboot did not happen';
    return decideStuck(node, progress, now, settings, `node did not come back within the reboot timeout (${how})`);
  }
  return { type: 'none', requeueAt: new Date(deadline) };
}

function decideVerifying(node: ObservedNode, progress: NodeProgress, input: DecideInput, now: Date, settings: PolicySettings): Action {
  const deadline = stepDeadline(progress, settings);
  // The agent reports the sentinel and the boot ID in one write, so a report newer than the job and
  // made under the new boot ID (this phase's premise) is a report from after the reboot.
  const freshReport = after(node.sentinelCheckedAt, node.job?.createdAt ?? progress.since);
  if (node.ready && freshReport && node.rebootRequired === false)
    return decideHooks(node, progress, 'post-reboot', input, now, settings) ?? complete(now, settings);
  if (node.ready && freshReport && node.rebootRequired === true) {
    const attempts = progress.attempts ?? 1;
    if (attempts < settings.maxRebootAttempts) return dispatch(progress);
    return {
      type: 'fail',
      reason: `the reboot sentinel is still set after ${attempts} reboots; not rebooting again`,
      restore: true,
      final: true,
    };
  }
  if (now.getTime() >= deadline) {
    const missing = !node.ready ? 'not Ready' : 'the agent has not reported the sentinel since the reboot';
    return decideStuck(node, progress, now, settings, `node rebooted but did not pass verification within the reboot timeout (${missing})`);
  }
  // Re-armed after a resume there is no job to date the report against: ask for a fresh look
  // rather than wait for the agent's next period.
  if (node.ready && !freshReport && !node.job && !after(node.checkRequestedAt, progress.since)) return { type: 'request-check' };
  return { type: 'none', requeueAt: new Date(deadline) };
}
