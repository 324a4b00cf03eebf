// The opt-in policies for a node that does not come back from its reboot (kured #886, ADR 0020):
// reboot it again (--stuck-node-reboot-retries), and/or hand it to a node-repair controller by a
// label or annotation on the Node (--stuck-node-remediation-label/-annotation). Pure, like decide():
// given the node that just missed its deadline, the next action — another reboot job, a wait, a
// handoff, or the halt that is the default. While a policy works on the node it stays in flight,
// keeps its slot (the caps hold) and the rollout waits on it (recoveryHold) as it would on a halt;
// the outcome decides: back under a new boot → verified as usual and the rollout goes on; not back
// when the policies are spent → the halt, naming everything that was tried.

import type { Action, PolicySettings } from './decide.ts';
import type { ObservedNode } from './observed-node.ts';
import { isRecovering, type NodeProgress, type Recovery } from '../../store/node-progress.ts';
import type { HaltRecord, RecoveringRecord } from '../../store/rollout-record.ts';

export interface RecoverySettings {
  /** Reboots tried again on a node that is up (Ready) but did not reboot or verify; 0 is off. */
  readonly retries: number;
  /** How long a node that is not Ready may take to come back (once per stuck reboot) before the next step. */
  readonly retryWindowMs: number;
  /** The marks a node-repair controller watches; none: no handoff. */
  readonly remediation?: RemediationMark;
}

export interface RemediationMark {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** How long remediation may take to bring the node back (or replace it) before the rollout halts. */
  readonly timeoutMs: number;
}

export const NO_RECOVERY: RecoverySettings = { retries: 0, retryWindowMs: 0 };

/** The marks as people read them: `label a=b, annotation c=d`. */
export function describeMark(mark: RemediationMark): string {
  const pairs = (kind: string, map: Readonly<Record<string, string>>) =>
    Object.entries(map).map(([key, value]) => `${kind} ${key}=${value}`);
  return [...pairs('label', mark.labels), ...pairs('annotation', mark.annotations)].join(', ');
}

/**
 * When the step of a node in `rebooting` or `verifying` ends: the reboot timeout from the phase's
 * start, or later while a recovery step runs (a retry window, a remediation).
 */
export function stepDeadline(progress: NodeProgress, settings: PolicySettings): number {
  const timeout = Date.parse(progress.since) + settings.rebootTimeoutMs;
  return progress.recovery ? Math.max(timeout, Date.parse(progress.recovery.until)) : timeout;
}

/** What was tried, for reasons and the halt: "rebooted again 2 of 3; handed to remediation (label x=y) at T". */
export function triedSoFar(recovery: Recovery | undefined, settings: RecoverySettings): string {
  if (!recovery) return '';
  const parts: string[] = [];
  if (recovery.retries > 0) parts.push(`rebooted again ${recovery.retries} of ${settings.retries}`);
  if (recovery.waited) parts.push('waited the retry window for it to come back');
  if (recovery.handedAt && settings.remediation)
    parts.push(`handed to remediation (${describeMark(settings.remediation)}) at ${recovery.handedAt}`);
  return parts.length > 0 ? `; ${parts.join('; ')}` : '';
}

/** What a recovery did, for the record of a node that came back: " (recovered: rebooted again 1 time(s))". */
export function recoveredNote(recovery: Recovery | undefined): string {
  if (!recovery) return '';
  const parts: string[] = [];
  if (recovery.retries > 0) parts.push(`rebooted again ${recovery.retries} time(s)`);
  if (recovery.waited) parts.push('waited for it to come back');
  if (recovery.handedAt) parts.push(`handed to remediation at ${recovery.handedAt}`);
  return ` (recovered after it did not come back: ${parts.join('; ') || 'came back late'})`;
}

/**
 * The next action for a node whose step ended without it coming back (`cause` says how). Called
 * instead of the halt; it returns the halt when no policy applies or every one is spent.
 */
export function decideStuck(node: ObservedNode, progress: NodeProgress, now: Date, settings: PolicySettings, cause: string): Action {
  const policy = settings.recovery ?? NO_RECOVERY;
  const nowIso = now.toISOString();
  const current = progress.recovery;
  const recovery: Recovery = current ?? { since: nowIso, cause, retries: 0, until: nowIso };
  // A retry is another reboot of the same request: --max-reboot-attempts bounds it too (the
  // configuration asks for room for every retry; reboots for a sentinel that stayed set use it up).
  const retriesLeft =
    recovery.retries < policy.retries && recovery.handedAt === undefined && (progress.attempts ?? 1) < settings.maxRebootAttempts;
  // Up, with an agent that reports: another job can run. The agent cannot run anything on a node
  // that is not Ready, so "again" there means waiting (once) for it to come back (ADR 0020).
  if (retriesLeft && node.ready && node.bootId !== undefined) {
    const retries = recovery.retries + 1;
    return {
      type: 'recover',
      step: 'retry',
      // Another reboot of the same request: one more attempt.
      attempts: (progress.attempts ?? 0) + 1,
      progress: {
        ...progress,
        reason: `${recovery.cause}; rebooted again (${retries} of ${policy.retries})`,
        recovery: { ...recovery, retries, until: new Date(now.getTime() + settings.rebootTimeoutMs).toISOString() },
      },
    };
  }
  if (retriesLeft && !node.ready && !recovery.waited && policy.retryWindowMs > 0) {
    const until = new Date(now.getTime() + policy.retryWindowMs);
    return {
      type: 'recover',
      step: 'wait',
      progress: {
        ...progress,
        reason: `${recovery.cause}; not Ready, so its agent cannot reboot it: waiting until ${until.toISOString()} to reboot it again (retry ${recovery.retries + 1} of ${policy.retries})`,
        recovery: { ...recovery, waited: true, until: until.toISOString() },
      },
    };
  }
  if (policy.remediation && recovery.handedAt === undefined) {
    const until = new Date(now.getTime() + policy.remediation.timeoutMs);
    const handed: Recovery = { ...recovery, handedAt: nowIso, until: until.toISOString() };
    return {
      type: 'recover',
      step: 'handoff',
      progress: {
        ...progress,
        reason: `${recovery.cause}${triedSoFar(handed, policy)}; waiting until ${until.toISOString()} for it to come back or be replaced`,
        recovery: handed,
      },
    };
  }
  const spent = current?.handedAt ? ', nor after remediation' : current ? ', nor after recovery' : '';
  return {
    type: 'fail',
    reason: `${recovery.cause}${spent}${triedSoFar(current, policy)}`,
    restore: false,
    halt: true,
    final: true,
  };
}

/**
 * Whether a node in a retry window came back up under the same boot: its retry is due now rather
 * than at the window's end (its agent can run a job again).
 */
export function backForRetry(node: ObservedNode, progress: NodeProgress, settings: PolicySettings): boolean {
  const recovery = progress.recovery;
  const policy = settings.recovery ?? NO_RECOVERY;
  return (
    recovery?.waited === true &&
    recovery.handedAt === undefined &&
    recovery.retries < policy.retries &&
    (progress.attempts ?? 1) < settings.maxRebootAttempts &&
    node.ready &&
    node.bootId !== undefined &&
    node.bootId === progress.bootIdBefore
  );
}

/**
 * What the rollout waits on while a policy recovers a node: the earliest node in recovery, or the
 * record kept on the lock DaemonSet while its node is gone (waiting for a replacement to register).
 */
export function recoveryHold(nodes: readonly ObservedNode[], kept: readonly RecoveringRecord[] | undefined): HaltRecord | undefined {
  let first: ObservedNode | undefined;
  for (const node of nodes) {
    const recovery = node.progress?.recovery;
    if (!isRecovering(node.progress) || !recovery) continue;
    if (!first || recovery.since < first.progress!.recovery!.since) first = node;
  }
  if (first) return { at: first.progress!.recovery!.since, node: first.name, reason: first.progress!.reason };
  const names = new Set(nodes.map((node) => node.name));
  const gone = kept?.find((record) => !names.has(record.node));
  if (gone)
    return {
      at: gone.at,
      node: gone.node,
      reason: `${gone.reason}; the node is gone: waiting until ${gone.until} for a replacement to register`,
    };
  return undefined;
}

/** The record kept on the lock DaemonSet for a node entering `progress`'s recovery step. */
export function recoveringRecord(node: string, progress: NodeProgress): RecoveringRecord {
  const recovery = progress.recovery!;
  return { at: recovery.since, node, reason: progress.reason, until: recovery.until };
}
