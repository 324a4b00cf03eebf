// Executes reboot jobs per ADR 0002: acknowledged → --reboot-delay → started → reboot method →
// (on failure) failed with exit code and message. Every status write carries the resourceVersion
// the decision was made on; on 409 the Node is read again and the decision taken again. Node
// updates are handled one at a time, so one process never runs two executions side by side.

import type { V1Node } from '@kubernetes/client-node';
import type { Logger } from '../../log/logger.ts';
import { annotationsPatch } from '../../kube/annotations.ts';
import { isConflict } from '../../kube/api-errors.ts';
import type { NodeClient } from '../../kube/node-client.ts';
import type { JobStatus, RebootJob } from '../../store/job-records.ts';
import type { BootIdReader } from '../host/boot-id.ts';
import type { JobOutcome } from '../metrics.ts';
import type { Rebooter } from '../reboot/rebooter.ts';
import { decideJob } from './decide-job.ts';
import { jobStatusAnnotation, readJob, readJobStatus } from '../../store/job-records.ts';

export interface JobRunnerOptions {
  readonly client: NodeClient;
  readonly nodeName: string;
  readonly readBootId: BootIdReader;
  readonly rebooter: Rebooter;
  /** The rebooter of the pool a job names (pool-rebooter.ts); absent: `rebooter` for every job. */
  readonly rebooterFor?: (job: RebootJob) => Rebooter;
  readonly delayMs: number;
  readonly log: Logger;
  readonly onOutcome?: (outcome: JobOutcome) => void;
  readonly onError?: () => void;
  readonly now?: () => Date;
  /**
   * --require-lock-slot: the nodes holding a kreboot slot in the lock (parseLock's holders with
   * `ours`), read fresh before each step of a job. Without the admission policies any agent can
   * write a reboot job on any Node, but not the lock on the DaemonSet (no RBAC to), so a job whose
   * node holds no slot was not handed out by the controller: it is never run. Undefined: no check.
   */
  readonly readLockHolders?: (pool?: string) => Promise<readonly string[] | undefined>;
}

const RETRY_MS = 5_000;
const FAILED_WRITE_ATTEMPTS = 5;

export class JobRunner {
  private readonly options: JobRunnerOptions;
  private latest: V1Node | undefined;
  private busy = false;
  private stopped = false;
  private lastNote = '';
  /** Jobs whose delay this process already waited, so a 409 on `started` does not wait again. */
  private readonly delayed = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;

  constructor(options: JobRunnerOptions) {
    this.options = options;
  }

  /** Called with every version of the Node the watch sees. */
  notify(node: V1Node): void {
    this.latest = node;
    if (!this.busy) void this.drain();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.wake?.();
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (this.latest && !this.stopped) {
      const node = this.latest;
      this.latest = undefined;
      try {
        await this.handle(node);
      } catch (error) {
        // API trouble: look again a little later with a fresh read, unless the watch brings news first.
        this.options.onError?.();
        this.options.log.error({ err: error, retryInMs: RETRY_MS }, 'reboot job handling failed; retrying');
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.reread(), RETRY_MS);
      }
    }
    this.busy = false;
  }

  private async reread(): Promise<void> {
    if (this.stopped || this.busy) return;
    try {
      this.notify(await this.options.client.get(this.options.nodeName));
    } catch (error) {
      this.options.log.warn({ err: error }, 'cannot read the Node; waiting for the watch');
    }
  }

  private async bootId(): Promise<string | undefined> {
    try {
      return await this.options.readBootId();
    } catch (error) {
      this.options.log.error({ err: error }, 'cannot read the boot ID; reboot jobs wait');
      return undefined;
    }
  }

  private async handle(first: V1Node): Promise<void> {
    const { client, nodeName, log, delayMs, now = () => new Date() } = this.options;
    let node = first;
    let waitedFor: string | undefined;
    for (;;) {
      if (this.stopped) return;
      const annotations = node.metadata?.annotations;
      const bootId = await this.bootId();
      const decision = decideJob(readJob(annotations), readJobStatus(annotations), bootId, now());
      if (!decision.act) {
        if (waitedFor !== undefined && decision.jobId !== waitedFor) {
          this.options.onOutcome?.('withdrawn');
          log.info({ job: waitedFor }, 'reboot job withdrawn during the delay; not rebooting');
        }
        this.note(decision.jobId, decision.reason);
        return;
      }
      const { job } = decision;
      if (!(await this.holdsSlot(job.id, job.pool))) return;
      const status = (state: JobStatus['state'], extra: Partial<JobStatus> = {}): JobStatus => ({
        id: job.id,
        state,
        at: now().toISOString(),
        bootId: bootId!,
        ...extra,
      });
      if (!decision.acknowledged) {
        const written = await this.write(node, status('acknowledged'));
        if (!written.ok) {
          node = written.node;
          continue;
        }
        node = written.node;
        log.info({ job: job.id, delayMs }, 'reboot job acknowledged');
      }
      if (!this.delayed.has(job.id)) {
        if (delayMs > 0) await this.sleep(delayMs);
        if (this.stopped) return;
        this.delayed.add(job.id);
        waitedFor = job.id;
        // The job may have been withdrawn or replaced while we waited: decide again on fresh data.
        node = await client.get(nodeName);
        continue;
      }
      const started = await this.write(node, status('started'));
      node = started.node;
      if (!started.ok) continue;
      await this.execute(job, status);
      return;
    }
  }

  private async execute(job: RebootJob, status: (state: JobStatus['state'], extra?: Partial<JobStatus>) => JobStatus): Promise<void> {
    const { rebooter, log, onOutcome, client, nodeName } = this.options;
    log.info({ job: job.id }, 'reboot job started; rebooting the host');
    const outcome = await (this.options.rebooterFor?.(job) ?? rebooter).reboot();
    if (outcome.ok) {
      onOutcome?.('started');
      log.info({ job: job.id }, 'reboot method succeeded; waiting for the host to go down');
      return;
    }
    onOutcome?.('failed');
    log.error({ job: job.id, exitCode: outcome.exitCode, message: outcome.message }, 'reboot method failed');
    const failed = status('failed', { exitCode: outcome.exitCode, message: outcome.message });
    for (let attempt = 1; attempt <= FAILED_WRITE_ATTEMPTS; attempt++) {
      const node = await client.get(nodeName);
      const current = readJobStatus(node.metadata?.annotations);
      // Only turn our own `started` into `failed`; anything else means the record moved on.
      if (current.state !== 'ok' || current.value.id !== job.id || current.value.state !== 'started') return;
      if ((await this.write(node, failed)).ok) return;
    }
    log.error({ job: job.id }, 'could not record the failed reboot job after repeated conflicts');
  }

  /** One optimistic write of job-status; on 409 returns the Node read again. */
  private async write(node: V1Node, status: JobStatus): Promise<{ ok: boolean; node: V1Node }> {
    const { client, nodeName, log } = this.options;
    try {
      const written = await client.patch(nodeName, annotationsPatch(jobStatusAnnotation(status), node.metadata?.resourceVersion));
      return { ok: true, node: written };
    } catch (error) {
      if (!isConflict(error)) throw error;
      log.debug({ job: status.id, state: status.state }, 'job status write conflicted; deciding again');
      return { ok: false, node: await client.get(nodeName) };
    }
  }

  /** --require-lock-slot: whether this node holds a kreboot slot in the lock now (an unreadable lock: no). */
  private async holdsSlot(jobId: string, pool: string | undefined): Promise<boolean> {
    const { readLockHolders, nodeName } = this.options;
    if (!readLockHolders) return true;
    const holders = await readLockHolders(pool);
    if (holders?.includes(nodeName)) return true;
    const reason =
      holders === undefined
        ? 'the lock annotation is unreadable, so the job cannot be checked against it'
        : 'this node holds no slot in the lock: the controller did not hand out this job';
    const key = `${jobId}|${reason}`;
    if (key !== this.lastNote) this.options.log.warn({ job: jobId, reason }, 'reboot job refused (--require-lock-slot)');
    this.lastNote = key;
    return false;
  }

  /** Logs a decision not to act once per job and reason, not on every Node update. */
  private note(jobId: string | undefined, reason: string): void {
    const key = `${jobId ?? ''}|${reason}`;
    if (key === this.lastNote) return;
    this.lastNote = key;
    if (jobId !== undefined) this.options.log.info({ job: jobId, reason }, 'reboot job not run');
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      this.timer = setTimeout(resolve, ms);
    });
  }
}
