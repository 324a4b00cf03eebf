// The agent's host-hook policy (ADR 0019) as a pure function: from the hook job the controller
// wrote on this Node, the agent's status of it and what this process is running, decide what to
// do. A host hook runs at most once: `started` is written before the command runs, and a
// `started` this process is not running (the agent restarted meanwhile) is reported failed —
// its outcome is unknown — never run again and never left for the controller to wait out.

import type { HookPoint, HostHookJob, HostHookStatus } from '../../store/hook-records.ts';
import type { Parsed } from '../../store/parse-json.ts';

export type HookDecision =
  | { readonly act: 'none'; readonly reason: string; readonly id?: string }
  /** Write `started`, run the command, write its outcome. */
  | { readonly act: 'run'; readonly job: HostHookJob }
  /** Write `failed` with the reason, without running anything. */
  | { readonly act: 'fail'; readonly job: HostHookJob; readonly reason: string };

export function decideHostHook(
  job: Parsed<HostHookJob>,
  status: Parsed<HostHookStatus>,
  running: ReadonlySet<string>,
  commands: ReadonlySet<HookPoint>,
  now: Date,
): HookDecision {
  if (job.state === 'absent') return { act: 'none', reason: 'no host hook' };
  if (job.state === 'unreadable') return { act: 'none', reason: 'the hook-job annotation is not a valid host hook' };
  const { id } = job.value;
  // A garbled status might hide a `started`: at most once wins over progress.
  if (status.state === 'unreadable') return { act: 'none', reason: 'the hook-status annotation is unreadable', id };
  if (status.state === 'ok' && status.value.id === id) {
    if (status.value.state !== 'started') return { act: 'none', reason: `already ${status.value.state}`, id };
    if (running.has(id)) return { act: 'none', reason: 'running', id };
    return {
      act: 'fail',
      job: job.value,
      reason: 'the agent restarted while the hook command ran; its outcome is unknown and it is not run again',
    };
  }
  const notAfter = Date.parse(job.value.notAfter);
  if (!(now.getTime() <= notAfter)) return { act: 'none', reason: 'expired: the controller no longer waits for this hook', id };
  if (!commands.has(job.value.point)) return { act: 'fail', job: job.value, reason: `this agent has no --${job.value.point}-hook-command` };
  return { act: 'run', job: job.value };
}
