// The job policy of ADR 0002 as a table: when the agent acts on a reboot job, and why not.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideJob } from '../../../src/agent/jobs/decide-job.ts';
import { readJob, readJobStatus, type JobStatus } from '../../../src/store/job-records.ts';
import { AGENT, CONTROLLER } from '../../../src/store/keys.ts';

const BOOT = 'boot-a';
const NOW = new Date('2026-11-26T17:05:00Z');
const JOB = { id: 'job-1', createdAt: '2026-11-26T17:00:00Z', bootIdBefore: BOOT, notAfter: '2026-11-26T17:30:00Z' };
const status = (state: JobStatus['state'], extra: Partial<JobStatus> = {}): JobStatus => ({
  id: 'job-1',
  state,
  at: '2026-11-26T17:00:01Z',
  bootId: BOOT,
  ...extra,
});

interface Row {
  readonly name: string;
  readonly job?: unknown;
  readonly status?: unknown;
  readonly bootId?: string;
  readonly now?: Date;
  readonly act: boolean;
  readonly acknowledged?: boolean;
  readonly reason?: RegExp;
}

const ROWS: Row[] = [
  { name: 'no job', act: false, reason: /no job/ },
  { name: 'garbled job', job: '{not json', act: false, reason: /not a valid job/ },
  { name: 'job without boot ID', job: { id: 'x', createdAt: '' }, act: false, reason: /not a valid job/ },
  { name: 'new job, no status', job: JOB, act: true, acknowledged: false },
  { name: 'new job, status of an older job', job: JOB, status: status('started', { id: 'job-0' }), act: true, acknowledged: false },
  {
    name: 'acknowledged by this boot (agent restarted during the delay)',
    job: JOB,
    status: status('acknowledged'),
    act: true,
    acknowledged: true,
  },
  { name: 'already started (agent restarted after started)', job: JOB, status: status('started'), act: false, reason: /already started/ },
  { name: 'already failed', job: JOB, status: status('failed', { exitCode: 1 }), act: false, reason: /already failed/ },
  { name: 'after the reboot: boot ID changed', job: JOB, status: status('started'), bootId: 'boot-b', act: false, reason: /host booted/ },
  { name: 'after the reboot, even without a status', job: JOB, bootId: 'boot-b', act: false, reason: /host booted/ },
  {
    name: 'acknowledged during another boot',
    job: JOB,
    status: status('acknowledged', { bootId: 'boot-z' }),
    act: false,
    reason: /another boot/,
  },
  { name: 'unreadable status might hide a start', job: JOB, status: 'garbage', act: false, reason: /unreadable/ },
  {
    name: 'past its notAfter (the controller gave up; an agent started late): never run',
    job: JOB,
    now: new Date('2026-11-26T17:30:01Z'),
    act: false,
    reason: /expired/,
  },
  {
    name: 'past notAfter even when acknowledged before',
    job: JOB,
    status: status('acknowledged'),
    now: new Date('2026-11-26T18:00:00Z'),
    act: false,
    reason: /expired/,
  },
  {
    name: 'a job without notAfter (an older controller) is refused: nothing would bound its age',
    job: { id: 'job-1', createdAt: '2026-11-26T17:00:00Z', bootIdBefore: BOOT },
    now: new Date('2026-12-26T17:00:00Z'),
    act: false,
    reason: /no valid notAfter/,
  },
  {
    name: 'a job whose notAfter is not a time is refused',
    job: { ...JOB, notAfter: 'later' },
    act: false,
    reason: /no valid notAfter/,
  },
  { name: 'boot ID cannot be read', job: JOB, bootId: '', act: false, reason: /boot ID cannot be read/ },
];

for (const row of ROWS) {
  test(`decideJob: ${row.name}`, () => {
    const annotations: Record<string, string> = {};
    if (row.job !== undefined) annotations[CONTROLLER.rebootJob] = typeof row.job === 'string' ? row.job : JSON.stringify(row.job);
    if (row.status !== undefined) annotations[AGENT.jobStatus] = typeof row.status === 'string' ? row.status : JSON.stringify(row.status);
    const bootId = row.bootId === '' ? undefined : (row.bootId ?? BOOT);
    const decision = decideJob(readJob(annotations), readJobStatus(annotations), bootId, row.now ?? NOW);
    assert.equal(decision.act, row.act);
    if (decision.act) assert.equal(decision.acknowledged, row.acknowledged);
    else assert.match(decision.reason, row.reason!);
  });
}
