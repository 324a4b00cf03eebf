// The hook Jobs' side of the runner (ADR 0019): create a run's Job from its template after the run
// is recorded, read it by its deterministic name, stop one that outlived its timeout, and time
// finished runs in kreboot_hook_duration_seconds. Creating is idempotent by name: a create that
// finds the Job (409) is the Job this run already has — a controller that restarted never starts
// a second one. A Job missing while its run is within its timeout was never created (the
// controller stopped between the record and the create), since a finished Job is kept at least
// that long (hook-job.ts): only then is it created.

import type { V1Job } from '@kubernetes/client-node';
import type { Logger } from '../../log/logger.ts';
import { apiErrorMessage, httpStatus, isConflict, isNotFound } from '../../kube/api-errors.ts';
import type { HookPoint, HookRun } from '../../store/hook-records.ts';
import type { ClusterApi } from '../cluster-api.ts';
import { buildHookJob, jobState } from '../hooks/hook-job.ts';
import type { ControllerMetrics } from '../observe/metrics.ts';
import type { RunnerFact } from '../policy/decide.ts';

export interface HookStepDeps {
  readonly api: ClusterApi;
  readonly templates: Partial<Record<HookPoint, V1Job>>;
  readonly namespace: string;
  readonly timeoutMs: number;
  readonly log: Logger;
  readonly metrics: Pick<ControllerMetrics, 'hookDuration'>;
  /** Read after the answer, not the cycle's start: a cycle's calls may take long. */
  readonly clock: () => Date;
  /** The Job as the hook Job watch last saw it (hook-job-watch.ts); undefined: read it by name. */
  readonly cached?: (name: string) => V1Job | undefined;
}

/**
 * A running Job is read at most this often: every wake of the cycle (any node's change) asks each
 * hooked node for its next step, and the answer of a read this recent is still the answer.
 */
const CHECK_INTERVAL_MS = 1000;

type CreateResult = { readonly ok: true } | { readonly ok: false; readonly message: string };

/** An answer that retrying will not change (forbidden, invalid): the hook fails with it. */
const terminal = (error: unknown) => {
  const status = httpStatus(error);
  return status !== undefined && status >= 400 && status < 500 && status !== 409 && status !== 429;
};

export function createHookStep(deps: HookStepDeps) {
  const { api, namespace, log } = deps;
  /** The last read of each running Job: its time and answer. */
  const recent = new Map<string, { at: number; fact: RunnerFact }>();

  async function create(run: HookRun, node: string): Promise<CreateResult> {
    const template = deps.templates[run.point];
    if (!template) return { ok: false, message: `no Job template for the ${run.point} hook any more (--${run.point}-hook-job)` };
    const job = buildHookJob(template, { node, point: run.point, namespace, name: run.name, round: run.round, timeoutMs: deps.timeoutMs });
    try {
      await api.createJob(namespace, job);
      log.info({ node, job: run.name, point: run.point }, 'hook Job created');
      return { ok: true };
    } catch (error) {
      if (isConflict(error)) return { ok: true };
      if (terminal(error)) return { ok: false, message: `cannot create the Job: ${apiErrorMessage(error)}` };
      throw error;
    }
  }

  async function read(run: HookRun, node: string): Promise<RunnerFact> {
    let job: V1Job;
    try {
      job = await api.readJob(namespace, run.name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      // Missing before the run's timeout, the Job was never created (a finished one is kept longer
      // than that); missing after it, it may have run and been removed: never created again.
      if (deps.clock().getTime() >= Date.parse(run.startedAt) + deps.timeoutMs)
        return { type: 'hook-job', name: run.name, state: 'running' };
      const created = await create(run, node);
      if (!created.ok) return { type: 'hook-job', name: run.name, state: 'failed', message: created.message };
      log.warn({ node, job: run.name }, 'hook Job was missing (its create had not landed); created');
      return { type: 'hook-job', name: run.name, state: 'running' };
    }
    return { type: 'hook-job', name: run.name, ...jobState(job) };
  }

  return {
    /** After the run is recorded: create its Job. A failure here is met again by the next check. */
    async start(run: HookRun, node: string): Promise<void> {
      if (run.kind !== 'job') return;
      try {
        const created = await create(run, node);
        if (!created.ok) log.warn({ node, job: run.name, reason: created.message }, 'hook Job not created');
      } catch (error) {
        log.warn({ err: error, node, job: run.name }, 'hook Job create failed; the next check tries again');
      }
    },

    /** How the run's Job stands; created first if it never was (see the header). */
    async check(run: HookRun, node: string, now: Date): Promise<RunnerFact> {
      const seen = deps.cached?.(run.name);
      if (seen) return { type: 'hook-job', name: run.name, ...jobState(seen) };
      const last = recent.get(run.name);
      const age = last ? now.getTime() - last.at : Infinity;
      if (last && age >= 0 && age < CHECK_INTERVAL_MS) return last.fact;
      const fact = await read(run, node);
      if (fact.type === 'hook-job' && fact.state === 'running') recent.set(run.name, { at: now.getTime(), fact });
      else recent.delete(run.name);
      // Runs that ended another way (a timeout, the node given up) are forgotten in bulk.
      if (recent.size > 1000) recent.clear();
      return fact;
    },

    /** A run that timed out: its Job is stopped if it still runs (activeDeadlineSeconds should have). */
    async stop(run: HookRun): Promise<void> {
      if (run.kind !== 'job') return;
      try {
        const job = await api.readJob(namespace, run.name);
        if (jobState(job).state === 'running') await api.deleteJob(namespace, run.name);
      } catch (error) {
        if (!isNotFound(error)) log.warn({ err: error, job: run.name }, 'could not stop a hook Job that timed out');
      }
    },

    /** A finished run, once its record landed. */
    observe(run: HookRun): void {
      if (!run.outcome || !run.finishedAt) return;
      const seconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
      if (Number.isFinite(seconds) && seconds >= 0)
        deps.metrics.hookDuration.observe({ point: run.point, kind: run.kind, outcome: run.outcome }, seconds);
    },
  };
}

export type HookStep = ReturnType<typeof createHookStep>;
