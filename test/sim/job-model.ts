// The simulation's model of hook Jobs (ADR 0019) as the API server and the Job controller treat
// them: a create of an existing name answers 409; a Job succeeds, fails or hangs (decided when it
// is created, by the seed; while faults run some fail or hang); a hanging Job fails at its
// activeDeadlineSeconds; a finished Job is deleted ttlSecondsAfterFinished later (the TTL
// controller), so the runner's "missing means never created" reasoning is exercised; a delete
// removes it. Every create is counted per name: the hook-once invariant reads the counts.

import type { V1Job } from '@kubernetes/client-node';
import { SimApiError, type ModelHooks } from './api-model.ts';

interface SimJob {
  readonly job: V1Job;
  readonly createdAt: number;
  /** When it ends and how; undefined: it hangs until its active deadline. */
  readonly ends: { readonly at: number; readonly ok: boolean } | undefined;
}

export class JobModel {
  private readonly hooks: ModelHooks;
  private readonly jobs = new Map<string, SimJob>();
  /** Creates that made a Job, per name (ever, deletions included). */
  readonly created = new Map<string, number>();
  /** While true, some Jobs fail or hang; once faults stop every new Job succeeds. */
  faults = true;

  constructor(hooks: ModelHooks) {
    this.hooks = hooks;
  }

  private key(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  create(namespace: string, job: V1Job): V1Job {
    const name = job.metadata?.name ?? '';
    const key = this.key(namespace, name);
    this.expire(key);
    if (this.jobs.has(key)) throw new SimApiError(409, `jobs.batch "${name}" already exists`);
    const now = this.hooks.now();
    const roll = this.hooks.random();
    const ends =
      !this.faults || roll < 0.7
        ? { at: now + 1000 + Math.floor(this.hooks.random() * (this.faults ? 60_000 : 10_000)), ok: true }
        : roll < 0.85
          ? { at: now + 1000 + Math.floor(this.hooks.random() * 30_000), ok: false }
          : undefined;
    this.jobs.set(key, { job, createdAt: now, ends });
    this.created.set(name, (this.created.get(name) ?? 0) + 1);
    return this.view(this.jobs.get(key)!);
  }

  read(namespace: string, name: string): V1Job {
    const key = this.key(namespace, name);
    this.expire(key);
    const job = this.jobs.get(key);
    if (!job) throw new SimApiError(404, `jobs.batch "${name}" not found`);
    return this.view(job);
  }

  delete(namespace: string, name: string): void {
    const key = this.key(namespace, name);
    if (!this.jobs.delete(key)) throw new SimApiError(404, `jobs.batch "${name}" not found`);
  }

  /** How it ended by now: at its own end, or failed at its active deadline. */
  private end(job: SimJob): { at: number; ok: boolean } | undefined {
    const deadlineS = job.job.spec?.activeDeadlineSeconds;
    const deadline = deadlineS === undefined ? Infinity : job.createdAt + deadlineS * 1000;
    const end = job.ends && job.ends.at < deadline ? job.ends : deadline < Infinity ? { at: deadline, ok: false } : undefined;
    return end && end.at <= this.hooks.now() ? end : undefined;
  }

  /** The TTL controller: a finished Job goes ttlSecondsAfterFinished after it ended. */
  private expire(key: string): void {
    const job = this.jobs.get(key);
    if (!job) return;
    const end = this.end(job);
    const ttl = job.job.spec?.ttlSecondsAfterFinished;
    if (end && ttl !== undefined && this.hooks.now() >= end.at + ttl * 1000) this.jobs.delete(key);
  }

  private view(job: SimJob): V1Job {
    const end = this.end(job);
    if (!end) return { ...job.job, status: { active: 1 } };
    const condition = end.ok
      ? { type: 'Complete', status: 'True' }
      : { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    return { ...job.job, status: { conditions: [condition] } };
  }
}
