// The reboot state machine as a pure function: from what is observed of one node (its Node record,
// whether it holds a concurrency slot, the gates' verdict) and the time, the one next action. The
// runner performs the action against the cluster; nothing here does I/O, so the whole policy is
// tested with tables (STYLE.md "Policy is a pure function").

import type { Verdict } from '../../gates/gate.ts';
import type { ObservedNode } from './observed-node.ts';
import type { NodeProgress } from './progress.ts';

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
}

export type Action =
  | { readonly type: 'none'; readonly requeueAt?: Date }
  /** Record a new phase/reason without touching the node otherwise (queued, waiting, withdrawn). */
  | { readonly type: 'record'; readonly progress: NodeProgress; readonly clearRequest?: boolean; readonly requeueAt?: Date }
  /** Ask the agent to check its sentinel now (the request may be stale). */
  | { readonly type: 'request-check' }
  /** Take a slot, cordon and record `cordoned` (the runner may find no slot free). */
  | { readonly type: 'start' }
  | { readonly type: 'drain' }
  | { readonly type: 'dispatch' }
  | { readonly type: 'verify' }
  | { readonly type: 'complete' }
  | { readonly type: 'release' }
  | {
      readonly type: 'fail';
      readonly reason: string;
      /** Uncordon (if kreboot cordoned it) and release the slot: the node is safe to use again. */
      readonly restore: boolean;
      readonly retryAt?: Date;
      readonly final?: boolean;
      /** Stop the rollout: no further node starts until an operator resumes. */
      readonly halt?: boolean;
    };

const NONE: Action = { type: 'none' };

function at(iso: string | undefined): number {
  return iso ? Date.parse(iso) : NaN;
}

function after(aIso: string | undefined, bIso: string | undefined): boolean {
  return at(aIso) > at(bIso);
}

/**
 * Whether the node asks to start a reboot now: it has a live request, is not in flight and is not
 * waiting out a back-off. Only these nodes are shown to the gates.
 */
export function wantsToStart(node: ObservedNode, now: Date): boolean {
  const { request, progress } = node;
  if (!request) return false;
  if (!progress) return true;
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

function record(node: ObservedNode, now: Date, phase: 'queued' | 'waiting', reason: string, requeueAt?: Date): Action {
  const current = node.progress;
  // Level-based: rewrite only when something a user would see changed.
  if (current && current.phase === phase && current.reason === reason) return requeueAt ? { type: 'none', requeueAt } : NONE;
  const carried = current && (current.phase === 'queued' || current.phase === 'waiting') ? current.since : now.toISOString();
  return { type: 'record', progress: { phase, since: carried, reason }, ...(requeueAt ? { requeueAt } : {}) };
}

function decideCandidate(node: ObservedNode, holdsSlot: boolean, verdict: Verdict | undefined, now: Date): Action {
  const request = node.request!;
  // A RebootRequired alert is only as fresh as the agent's last look at the sentinel: a firing
  // webhook that arrives after the node was rebooted must not reboot it again.
  if ((request.kind === 'alert' || request.kind === 'node') && node.rebootRequired === false) {
    if (after(node.sentinelCheckedAt, request.at)) {
      return { type: 'record', progress: { phase: 'done', since: now.toISOString(), reason: 'request withdrawn: the sentinel is not set' }, clearRequest: true };
    }
    // The agent's last look predates the request and said "not required": ask it to look now
    // rather than reboot on a report that may be stale either way.
    if (!after(node.checkRequestedAt, request.at)) return { type: 'request-check' };
    return record(node, now, 'waiting', 'waiting for the agent to check the sentinel again');
  }
  if (node.bootId === undefined) return record(node, now, 'waiting', 'no kreboot agent reports on this node');
  if (!verdict) return holdsSlot ? { type: 'start' } : record(node, now, 'queued', 'waiting for a free slot');
  // A slot taken before a crash is given back while a gate is closed: waiting holds no slot.
  if (!verdict.open) return holdsSlot ? { type: 'release' } : record(node, now, 'waiting', `${verdict.gate}: ${verdict.reason}`, verdict.retryAt);
  return { type: 'start' };
}

/** The one next action for a node. `verdict` is given for nodes that `wantsToStart`. */
export function decide(node: ObservedNode, holdsSlot: boolean, verdict: Verdict | undefined, now: Date, settings: PolicySettings): Action {
  const { progress } = node;
  const nowMs = now.getTime();

  if (wantsToStart(node, now)) return decideCandidate(node, holdsSlot, verdict, now);

  if (!progress) return holdsSlot ? { type: 'release' } : NONE;
  const since = at(progress.since);

  switch (progress.phase) {
    case 'queued':
    case 'waiting':
      // The request is gone (withdrawn): nothing to do but give back a slot taken before a crash.
      return holdsSlot ? { type: 'release' } : NONE;
    case 'cordoned':
      if (nowMs < since + settings.drainDelayMs) return { type: 'none', requeueAt: new Date(since + settings.drainDelayMs) };
      return { type: 'drain' };
    case 'draining':
      if (settings.drainTimeoutMs > 0 && nowMs >= since + settings.drainTimeoutMs) {
        if (settings.forceReboot) return { type: 'dispatch' };
        return { type: 'fail', reason: `drain did not finish within the drain timeout (${progress.reason || 'pods remain'})`, restore: true, retryAt: new Date(nowMs + settings.retryBackoffMs) };
      }
      return { type: 'drain' };
    case 'rebooting':
      return decideRebooting(node, progress, now, settings);
    case 'verifying':
      return decideVerifying(node, progress, now, settings);
    case 'done':
      if (holdsSlot) {
        const releaseAt = since + settings.lockReleaseDelayMs;
        return nowMs >= releaseAt ? { type: 'release' } : { type: 'none', requeueAt: new Date(releaseAt) };
      }
      return NONE;
    case 'failed':
      if (holdsSlot && !progress.final && progress.retryAt !== undefined) return { type: 'release' };
      if (progress.retryAt && node.request) return { type: 'none', requeueAt: new Date(progress.retryAt) };
      return NONE;
  }
}

function decideRebooting(node: ObservedNode, progress: NodeProgress, now: Date, settings: PolicySettings): Action {
  const status = node.jobStatus;
  if (node.bootId !== undefined && progress.bootIdBefore !== undefined && node.bootId !== progress.bootIdBefore) return { type: 'verify' };
  if (status && status.id === progress.jobId && status.state === 'failed') {
    const attempts = progress.attempts ?? 1;
    const detail = `reboot command failed${status.exitCode !== undefined ? ` (exit ${status.exitCode})` : ''}${status.message ? `: ${status.message}` : ''}`;
    if (attempts >= settings.maxRebootAttempts) return { type: 'fail', reason: `${detail}; gave up after ${attempts} attempts`, restore: true, final: true };
    return { type: 'fail', reason: detail, restore: true, retryAt: new Date(now.getTime() + settings.retryBackoffMs) };
  }
  const deadline = at(progress.since) + settings.rebootTimeoutMs;
  if (now.getTime() >= deadline) {
    return { type: 'fail', reason: `node did not come back within the reboot timeout`, restore: false, halt: true, final: true };
  }
  return { type: 'none', requeueAt: new Date(deadline) };
}

function decideVerifying(node: ObservedNode, progress: NodeProgress, now: Date, settings: PolicySettings): Action {
  const deadline = at(progress.since) + settings.rebootTimeoutMs;
  // The agent reports the sentinel and the boot ID in one write, so a report newer than the job and
  // made under the new boot ID (this phase's premise) is a report from after the reboot.
  const freshReport = after(node.sentinelCheckedAt, node.job?.createdAt ?? progress.since);
  if (node.ready && freshReport && node.rebootRequired === false) return { type: 'complete' };
  if (node.ready && freshReport && node.rebootRequired === true) {
    const attempts = progress.attempts ?? 1;
    if (attempts < settings.maxRebootAttempts) return { type: 'dispatch' };
    return { type: 'fail', reason: `the reboot sentinel is still set after ${attempts} reboots; not rebooting again`, restore: true, final: true };
  }
  if (now.getTime() >= deadline) {
    const missing = !node.ready ? 'not Ready' : 'the agent has not reported the sentinel since the reboot';
    return { type: 'fail', reason: `node rebooted but did not pass verification within the reboot timeout (${missing})`, restore: false, halt: true, final: true };
  }
  return { type: 'none', requeueAt: new Date(deadline) };
}
