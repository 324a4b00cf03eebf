// The runner's side of hook Jobs (ADR 0019) against a fake of the narrow ClusterApi: a Job is
// created once by name (409 is the same Job), a Job missing within the run's timeout was never
// created and is created then, a Job missing after it is never created again (it may have run
// and been removed), a refused create fails the hook with the API's reason, and reads are paced.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { V1Job } from '@kubernetes/client-node';
import type { ClusterApi } from '../../../src/controller/cluster-api.ts';
import { createHookStep } from '../../../src/controller/steps/hook-step.ts';
import { createControllerMetrics } from '../../../src/controller/observe/metrics.ts';
import type { HookRun } from '../../../src/store/hook-records.ts';

const START = Date.parse('2026-12-01T12:00:00.000Z');
const TEMPLATE: V1Job = {
  apiVersion: 'batch/v1',
  kind: 'Job',
  spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'h', image: 'h' }] } } },
};
const run: HookRun = {
  point: 'pre-drain',
  kind: 'job',
  name: 'kreboot-pre-drain-n1-abc',
  round: 'r',
  startedAt: new Date(START).toISOString(),
};

class HttpError extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`HTTP ${code}`);
    this.code = code;
  }
}

function world(options: { refuse?: number; cached?: (name: string) => V1Job | undefined } = {}) {
  const jobs = new Map<string, V1Job>();
  const calls: string[] = [];
  let now = START;
  const api = {
    createJob: async (_namespace: string, job: V1Job) => {
      calls.push(`create ${job.metadata?.name}`);
      if (options.refuse) throw new HttpError(options.refuse);
      if (jobs.has(job.metadata!.name!)) throw new HttpError(409);
      jobs.set(job.metadata!.name!, job);
      return job;
    },
    readJob: async (_namespace: string, name: string) => {
      calls.push(`read ${name}`);
      const job = jobs.get(name);
      if (!job) throw new HttpError(404);
      return job;
    },
    deleteJob: async (_namespace: string, name: string) => {
      calls.push(`delete ${name}`);
      jobs.delete(name);
    },
  } as unknown as ClusterApi;
  const registry = new Registry();
  const metrics = createControllerMetrics(registry, {
    nodes: () => [],
    rollout: () => undefined,
    halt: () => undefined,
    leader: () => true,
  });
  const step = createHookStep({
    api,
    templates: { 'pre-drain': TEMPLATE },
    namespace: 'kreboot',
    timeoutMs: 60_000,
    log: pino({ level: 'silent' }),
    metrics,
    clock: () => new Date(now),
    ...(options.cached ? { cached: options.cached } : {}),
  });
  return { step, jobs, calls, registry, advance: (ms: number) => (now += ms), at: () => new Date(now) };
}

describe('hook Jobs', () => {
  it('are created once: a second start finds the same Job (409)', async () => {
    const w = world();
    await w.step.start(run, 'n1');
    await w.step.start(run, 'n1');
    assert.equal(w.jobs.size, 1);
    assert.equal(w.jobs.get(run.name)?.metadata?.namespace, 'kreboot');
  });

  it('missing within the timeout: created (the controller stopped between the record and the create)', async () => {
    const w = world();
    w.advance(10_000);
    assert.deepEqual(await w.step.check(run, 'n1', w.at()), { type: 'hook-job', name: run.name, state: 'running' });
    assert.equal(w.jobs.size, 1);
  });

  it('missing after the timeout: never created again', async () => {
    const w = world();
    w.advance(61_000);
    assert.equal((await w.step.check(run, 'n1', w.at())).type, 'hook-job');
    assert.equal(w.jobs.size, 0);
    assert.ok(!w.calls.some((call) => call.startsWith('create')));
  });

  it('a create the API refuses (RBAC, validation) fails the hook with its reason', async () => {
    const w = world({ refuse: 403 });
    const fact = await w.step.check(run, 'n1', w.at());
    assert.equal(fact.type === 'hook-job' && fact.state, 'failed');
    assert.match(fact.type === 'hook-job' ? (fact.message ?? '') : '', /cannot create the Job: HTTP 403/);
  });

  it('a running Job is read at most once a second; its end is seen', async () => {
    const w = world();
    await w.step.start(run, 'n1');
    await w.step.check(run, 'n1', w.at());
    await w.step.check(run, 'n1', w.at());
    assert.equal(w.calls.filter((call) => call.startsWith('read')).length, 1);
    w.jobs.set(run.name, { ...w.jobs.get(run.name)!, status: { conditions: [{ type: 'Complete', status: 'True' }] } });
    w.advance(1000);
    assert.deepEqual(await w.step.check(run, 'n1', w.at()), { type: 'hook-job', name: run.name, state: 'succeeded' });
  });

  it('a timed-out run stops its Job if it still runs, and every finished run is timed in the metric', async () => {
    const w = world();
    await w.step.start(run, 'n1');
    await w.step.stop({ ...run, outcome: 'timed-out' });
    assert.equal(w.jobs.size, 0);
    w.step.observe({ ...run, outcome: 'timed-out', finishedAt: new Date(START + 60_000).toISOString() });
    const text = await w.registry.metrics();
    assert.match(text, /kreboot_hook_duration_seconds_count\{point="pre-drain",kind="job",outcome="timed-out"\} 1/);
    assert.match(text, /kreboot_hook_duration_seconds_sum\{point="pre-drain",kind="job",outcome="timed-out"\} 60/);
  });
});

describe('with the hook Job watch', () => {
  it('a Job the watch holds is answered from memory, without a read', async () => {
    const w = world({
      cached: (name) =>
        name === run.name ? { status: { conditions: [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }] } } : undefined,
    });
    assert.deepEqual(await w.step.check(run, 'n1', w.at()), {
      type: 'hook-job',
      name: run.name,
      state: 'failed',
      message: 'BackoffLimitExceeded',
    });
    assert.deepEqual(w.calls, []);
  });

  it('a Job the watch does not hold (not listed yet, or never created) is read by name, and created if need be', async () => {
    const w = world({ cached: () => undefined });
    assert.equal((await w.step.check(run, 'n1', w.at())).type, 'hook-job');
    assert.deepEqual(w.calls, [`read ${run.name}`, `create ${run.name}`]);
  });
});
