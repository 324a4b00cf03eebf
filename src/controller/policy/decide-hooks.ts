// The hooks around a reboot (ADR 0019), as part of the pure policy: at each hook point — before the
// drain (the node cordoned, its drain delay over) and after the node is back (verified, before the
// uncordon) — the hooks configured there run one after the other, each once per round, and the
// node goes on only when all have succeeded. A node in a hook is in flight (cordoned or verifying),
// so it holds its slot and counts against every cap like any node kreboot has out.
//
// Every step is a record first: a run is written as running (with its deterministic name) before
// its Job is created or its host hook handed out, and its outcome is written with the transition
// it causes. A controller killed at any point finds the run on the Node: it looks the Job up by
// that name (creating it only if the create never landed) and never starts a second run.

import type { HookKind, HookPoint, HookRun } from '../../store/hook-records.ts';
import type { NodeProgress } from '../../store/node-progress.ts';
import type { HookFailure } from '../../config/hook-config.ts';
import { hookRunName } from '../hooks/hook-job.ts';
import type { Action, DecideInput, PolicySettings } from './decide.ts';
import type { ObservedNode } from './observed-node.ts';

export interface HookSettings {
  /** The hook points with a Job template. */
  readonly jobs: ReadonlySet<HookPoint>;
  readonly timeoutMs: number;
  readonly onFailure: HookFailure;
}

/** While a Job runs, it is looked at this often (hook Jobs are not watched: one read per look). */
export const HOOK_RECHECK_MS = 2000;

/** The round a run belongs to: when the node was cordoned for this reboot. */
export function roundOf(progress: NodeProgress): string {
  return progress.startedAt ?? progress.since;
}

/**
 * The hooks at `point`, in the order they run: before the drain the Job (cluster-wide steps such
 * as a database failover) and then the host command; after the reboot the host command first and
 * then the Job, in mirror order.
 */
export function hookKinds(node: ObservedNode, point: HookPoint, settings: PolicySettings): HookKind[] {
  // Without hook settings (a configuration built by hand) there is no timeout to bound a hook: none runs.
  if (!settings.hooks) return [];
  const job = settings.hooks.jobs.has(point);
  const host = node.hostHooks?.has(point) === true;
  const order: HookKind[] = point === 'pre-drain' ? ['job', 'host'] : ['host', 'job'];
  return order.filter((kind) => (kind === 'job' ? job : host));
}

/** The runs of this round at `point`. */
export function runsAt(node: ObservedNode, progress: NodeProgress, point: HookPoint): HookRun[] {
  const round = roundOf(progress);
  return (node.hooks ?? []).filter((run) => run.round === round && run.point === point);
}

/** Whether a run of this round is running at `point` (then its outcome is awaited whatever else changed). */
export function hookRunning(node: ObservedNode, progress: NodeProgress, point: HookPoint): boolean {
  return runsAt(node, progress, point).some((run) => run.outcome === undefined);
}

/** Whether the host hook handed out (kreboot.dev/hook-job) belongs to a run still in progress. */
export function hostHookLive(node: ObservedNode): boolean {
  const job = node.hookJob;
  return job !== undefined && (node.hooks ?? []).some((run) => run.name === job.id && run.kind === 'host' && run.outcome === undefined);
}

const describe = (run: HookRun) => (run.kind === 'job' ? `Job ${run.name}` : `host command (${run.name})`);

/**
 * The next action the hooks at `point` need, or undefined once every one of them has succeeded
 * in this round (or none is configured).
 */
export function decideHooks(
  node: ObservedNode,
  progress: NodeProgress,
  point: HookPoint,
  input: DecideInput,
  now: Date,
  settings: PolicySettings,
): Action | undefined {
  const hooks = settings.hooks;
  const runs = runsAt(node, progress, point);
  const running = runs.find((run) => run.outcome === undefined);
  if (running) return awaitRun(node, progress, running, input, now, settings);
  for (const kind of hookKinds(node, point, settings)) {
    const run = runs.find((candidate) => candidate.kind === kind);
    if (run?.outcome === 'succeeded') continue;
    // A finished failure beside an in-flight record: its failure write was lost; write it again.
    if (run) return failure(run, run.outcome ?? 'failed', run.message ?? '', progress, now, settings);
    const attempt = (progress.attempts ?? 0) + (point === 'pre-drain' ? 1 : 0);
    const started: HookRun = {
      point,
      kind,
      name: hookRunName(node.name, roundOf(progress), attempt, point, kind),
      round: roundOf(progress),
      startedAt: now.toISOString(),
    };
    const timeoutMs = hooks?.timeoutMs ?? 0;
    return {
      type: 'hook-start',
      run: started,
      // The phase and its start stay: the drain delay and the verification are not started again.
      progress: { ...progress, reason: `${point} hook: ${describe(started)} running (timeout ${Math.round(timeoutMs / 1000)} s)` },
      notAfter: new Date(now.getTime() + timeoutMs),
    };
  }
  return undefined;
}

function awaitRun(
  node: ObservedNode,
  progress: NodeProgress,
  run: HookRun,
  input: DecideInput,
  now: Date,
  settings: PolicySettings,
): Action {
  const deadline = Date.parse(run.startedAt) + (settings.hooks?.timeoutMs ?? 0);
  if (run.kind === 'job') {
    const fact = input.fact?.type === 'hook-job' && input.fact.name === run.name ? input.fact : undefined;
    if (fact?.state === 'succeeded') return finished(run, progress, now);
    // Kubernetes stopped it at its activeDeadlineSeconds (at most the hook timeout): a timeout.
    if (fact?.state === 'failed')
      return failure(
        run,
        /^DeadlineExceeded/.test(fact.message ?? '') ? 'timed-out' : 'failed',
        fact.message ?? '',
        progress,
        now,
        settings,
      );
    if (now.getTime() >= deadline) return failure(run, 'timed-out', '', progress, now, settings);
    if (!fact) return { type: 'hook-check', run };
    return { type: 'none', requeueAt: new Date(Math.min(deadline, now.getTime() + HOOK_RECHECK_MS)) };
  }
  const status = node.hookStatus?.id === run.name ? node.hookStatus : undefined;
  if (status?.state === 'succeeded') return finished(run, progress, now, status.message);
  if (status?.state === 'failed') return failure(run, 'failed', status.message ?? '', progress, now, settings);
  if (now.getTime() >= deadline) return failure(run, 'timed-out', '', progress, now, settings);
  // The agent's status write wakes the cycle through the Node watch.
  return { type: 'none', requeueAt: new Date(deadline) };
}

function finished(run: HookRun, progress: NodeProgress, now: Date, message?: string): Action {
  const done: HookRun = { ...run, outcome: 'succeeded', finishedAt: now.toISOString(), ...(message ? { message } : {}) };
  const next = run.point === 'pre-drain' ? 'drain follows' : 'uncordon follows';
  return { type: 'hook-finish', run: done, progress: { ...progress, reason: `${run.point} hook: ${describe(run)} succeeded; ${next}` } };
}

/**
 * A failed hook stops this node's reboot: the node is given back (uncordoned unless it was
 * cordoned before, its slot released) and, with --hook-failure=halt, the rollout halts until
 * resumed. Before the drain it counts as a failed attempt (retried after --retry-backoff while
 * --max-reboot-attempts last); after the reboot it is given up until an operator asks again
 * (rebooting again would not undo what the hook left behind).
 */
function failure(
  run: HookRun,
  outcome: 'failed' | 'timed-out',
  message: string,
  progress: NodeProgress,
  now: Date,
  settings: PolicySettings,
): Action {
  const timeoutS = Math.round((settings.hooks?.timeoutMs ?? 0) / 1000);
  const what = outcome === 'timed-out' ? `did not finish within the hook timeout (${timeoutS} s)` : 'failed';
  const reason = `${run.point} hook ${describe(run)} ${what}${message ? `: ${message}` : ''}`;
  const ended: HookRun = { ...run, outcome, finishedAt: now.toISOString(), ...(message ? { message } : {}) };
  const halt = settings.hooks?.onFailure === 'halt';
  // After the reboot, rebooting again would not undo what the hook left behind: given back for
  // good, until an operator asks (kreboot reboot NODE), as a node whose attempts are used up.
  if (run.point === 'post-reboot')
    return {
      type: 'fail',
      reason: `${reason}; not rebooting again until asked`,
      restore: true,
      hook: ended,
      final: true,
      holdRollout: halt,
    };
  const attempts = (progress.attempts ?? 0) + 1;
  const final = attempts >= settings.maxRebootAttempts;
  return {
    type: 'fail',
    reason: final ? `${reason}; gave up after ${attempts} attempt(s)` : reason,
    restore: true,
    hook: ended,
    attempts,
    holdRollout: halt,
    ...(final ? { final: true } : { retryAt: new Date(now.getTime() + settings.retryBackoffMs) }),
  };
}
