// The agent's job policy (ADR 0002) as a pure function: from the Node's job records and the host's
// boot ID, decide whether to act. Acting is allowed only while the job's boot is the current one
// and no `started`/`failed` status exists for it, so a job runs at most once — across agent
// restarts (the status is on the Node) and after the reboot (the boot ID changed).

import type { JobStatus, RebootJob } from '../../store/job-records.ts';
import type { Parsed } from '../../store/parse-json.ts';

export type JobDecision =
  | { readonly act: false; readonly reason: string; readonly jobId?: string }
  /** `acknowledged`: this boot already wrote `acknowledged` for this job (an agent restart). */
  | { readonly act: true; readonly job: RebootJob; readonly acknowledged: boolean };

export function decideJob(job: Parsed<RebootJob>, status: Parsed<JobStatus>, bootId: string | undefined, now: Date): JobDecision {
  if (job.state === 'absent') return { act: false, reason: 'no job' };
  if (job.state === 'unreadable') return { act: false, reason: 'the reboot-job annotation is not a valid job' };
  const { id } = job.value;
  if (bootId === undefined) return { act: false, reason: 'the boot ID cannot be read', jobId: id };
  if (job.value.bootIdBefore !== bootId) return { act: false, reason: 'done: the host booted since the job was created', jobId: id };
  // The controller gave up on this attempt at notAfter (its reboot timeout); an agent that starts
  // late in the same boot must not reboot a node that may have been given back meanwhile. A job
  // with no readable notAfter (written before jobs carried one) has nothing bounding its age, so it
  // is refused: the controller times the attempt out and the operator sees why.
  const notAfter = job.value.notAfter === undefined ? NaN : Date.parse(job.value.notAfter);
  if (Number.isNaN(notAfter))
    return { act: false, reason: 'refused: the job has no valid notAfter (written by an older controller)', jobId: id };
  if (now.getTime() > notAfter) return { act: false, reason: 'expired: the controller no longer waits for this job', jobId: id };
  // A garbled status might hide a `started`: at-most-once wins over progress.
  if (status.state === 'unreadable') return { act: false, reason: 'the job-status annotation is unreadable', jobId: id };
  if (status.state === 'absent' || status.value.id !== id) return { act: true, job: job.value, acknowledged: false };
  const mine = status.value;
  if (mine.state === 'started') return { act: false, reason: 'already started', jobId: id };
  if (mine.state === 'failed') return { act: false, reason: 'already failed', jobId: id };
  if (mine.bootId !== bootId) return { act: false, reason: 'acknowledged during another boot', jobId: id };
  return { act: true, job: job.value, acknowledged: true };
}
