// Table tests of the hooks around the reboot (ADR 0019) in the pure policy: where they run, in
// which order, once per round, what their outcomes lead to, and that a restarted controller
// continues the recorded run instead of starting another.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, type Action, type DecideInput, type PolicySettings } from '../../../src/controller/policy/decide.ts';
import type { HookRun } from '../../../src/store/hook-records.ts';
import type { NodeProgress } from '../../../src/store/node-progress.ts';
import { hookRunName } from '../../../src/controller/hooks/hook-job.ts';
import { NOW, SETTINGS, ago, later, node } from './fixtures.ts';

const HOOKS: PolicySettings = {
  ...SETTINGS,
  hooks: { jobs: new Set(['pre-drain', 'post-reboot']), timeoutMs: 600_000, onFailure: 'skip-node' },
};
const ROUND = ago(120);
const cordoned: NodeProgress = { phase: 'cordoned', since: ROUND, reason: 'cordoned; drain follows', startedAt: ROUND, attempts: 0 };
const verifying: NodeProgress = {
  phase: 'verifying',
  since: ago(30),
  reason: 'boot ID changed',
  startedAt: ROUND,
  attempts: 1,
  jobId: 'j1',
  bootIdBefore: 'boot-0',
};
const request = { at: ago(600), kind: 'alert' as const, alertname: 'RebootRequired' };
const run = (overrides: Partial<HookRun>): HookRun => ({
  point: 'pre-drain',
  kind: 'job',
  name: 'kreboot-pre-drain-n1-x',
  round: ROUND,
  startedAt: ago(60),
  ...overrides,
});
/** A verified node: back under a new boot, Ready, sentinel clear since the job. */
const back = (overrides: Parameters<typeof node>[0] = {}) =>
  node({
    request,
    progress: verifying,
    unschedulable: true,
    rebootRequired: false,
    sentinelCheckedAt: ago(10),
    job: { id: 'j1', createdAt: ago(200), bootIdBefore: 'boot-0', notAfter: later(600).toISOString() },
    ...overrides,
  });

function decideWith(observed: ReturnType<typeof node>, settings = HOOKS, input: Partial<DecideInput> = {}): Action {
  return decide(observed, { holdsSlot: true, ...input }, NOW, settings);
}

describe('hooks in the policy', () => {
  it('before the drain: the Job is recorded first (same phase, same since), with its deterministic name', () => {
    const action = decideWith(node({ request, progress: cordoned, unschedulable: true }));
    assert.equal(action.type, 'hook-start');
    if (action.type !== 'hook-start') return;
    assert.equal(action.run.point, 'pre-drain');
    assert.equal(action.run.kind, 'job');
    assert.equal(action.run.name, hookRunName('n1', ROUND, 1, 'pre-drain', 'job'));
    assert.equal(action.run.round, ROUND);
    assert.equal(action.progress.phase, 'cordoned');
    assert.equal(action.progress.since, ROUND, 'the drain delay is not started again');
    assert.match(action.progress.reason, /pre-drain hook: Job kreboot-pre-drain-n1-.* running/);
    assert.deepEqual(action.notAfter, later(600));
  });

  it('without hooks (or only at the other point) the drain follows the cordon as before', () => {
    assert.equal(decideWith(node({ request, progress: cordoned, unschedulable: true }), SETTINGS).type, 'drain');
    const advertised = node({ request, progress: cordoned, unschedulable: true, hostHooks: new Set(['pre-drain']) });
    assert.equal(decideWith(advertised, SETTINGS).type, 'drain', 'no hook settings: an advertised host hook is not run either');
    const postOnly = { ...HOOKS, hooks: { ...HOOKS.hooks!, jobs: new Set(['post-reboot'] as const) } };
    assert.equal(decideWith(node({ request, progress: cordoned, unschedulable: true }), postOnly).type, 'drain');
  });

  it('the drain delay runs first, then the hook', () => {
    const action = decideWith(node({ request, progress: { ...cordoned, since: ago(1) }, unschedulable: true }), {
      ...HOOKS,
      drainDelayMs: 60_000,
    });
    assert.equal(action.type, 'none');
  });

  it('a running Job is looked at (a restarted controller does the same: the run is on the Node)', () => {
    const action = decideWith(node({ request, progress: cordoned, unschedulable: true, hooks: [run({})] }));
    assert.deepEqual(action, { type: 'hook-check', run: run({}) });
  });

  it('a Job that succeeded: recorded, then the drain; a Job still running: look again soon', () => {
    const observed = node({ request, progress: cordoned, unschedulable: true, hooks: [run({})] });
    const ok = decideWith(observed, HOOKS, { fact: { type: 'hook-job', name: run({}).name, state: 'succeeded' } });
    assert.equal(ok.type, 'hook-finish');
    if (ok.type === 'hook-finish') {
      assert.equal(ok.run.outcome, 'succeeded');
      assert.equal(ok.run.finishedAt, NOW.toISOString());
      assert.equal(ok.progress.phase, 'cordoned');
    }
    const running = decideWith(observed, HOOKS, { fact: { type: 'hook-job', name: run({}).name, state: 'running' } });
    assert.equal(running.type, 'none');
    const done = node({ request, progress: cordoned, unschedulable: true, hooks: [run({ outcome: 'succeeded', finishedAt: ago(1) })] });
    assert.equal(decideWith(done).type, 'drain', 'once succeeded in this round, never run again');
  });

  it('a Job that failed before the drain: the node is given back, counted as an attempt, retried after the back-off', () => {
    const observed = node({ request, progress: cordoned, unschedulable: true, hooks: [run({})] });
    const action = decideWith(observed, HOOKS, {
      fact: { type: 'hook-job', name: run({}).name, state: 'failed', message: 'BackoffLimitExceeded' },
    });
    assert.equal(action.type, 'fail');
    if (action.type !== 'fail') return;
    assert.equal(action.restore, true);
    assert.equal(action.halt, undefined, 'the node is not kept out');
    assert.equal(action.holdRollout, false);
    assert.equal(action.attempts, 1);
    assert.deepEqual(action.retryAt, later(300));
    assert.equal(action.hook?.outcome, 'failed');
    assert.match(action.reason, /pre-drain hook Job kreboot-pre-drain-n1-x failed: BackoffLimitExceeded/);
  });

  it('the last attempt failing in its hook gives up (an operator asks again); with --hook-failure=halt the rollout halts', () => {
    const observed = node({ request, progress: { ...cordoned, attempts: 1 }, unschedulable: true, hooks: [run({})] });
    const fact = { type: 'hook-job' as const, name: run({}).name, state: 'failed' as const, message: 'x' };
    const action = decideWith(observed, { ...HOOKS, hooks: { ...HOOKS.hooks!, onFailure: 'halt' } }, { fact });
    assert.equal(action.type === 'fail' && action.final, true);
    assert.equal(action.type === 'fail' && action.holdRollout, true);
    assert.equal(action.type === 'fail' && action.restore, true);
  });

  it('a Job past the hook timeout, or stopped at its deadline by Kubernetes: timed out', () => {
    const late = node({ request, progress: cordoned, unschedulable: true, hooks: [run({ startedAt: ago(601) })] });
    const action = decideWith(late);
    assert.equal(action.type === 'fail' && action.hook?.outcome, 'timed-out');
    assert.match(action.type === 'fail' ? action.reason : '', /did not finish within the hook timeout \(600 s\)/);
    const deadline = decideWith(node({ request, progress: cordoned, unschedulable: true, hooks: [run({})] }), HOOKS, {
      fact: {
        type: 'hook-job',
        name: run({}).name,
        state: 'failed',
        message: 'DeadlineExceeded: Job was active longer than specified deadline',
      },
    });
    assert.equal(deadline.type === 'fail' && deadline.hook?.outcome, 'timed-out');
  });

  it('a host hook the agent advertises runs after the Job before the drain, handed out with the timeout', () => {
    const jobDone = run({ outcome: 'succeeded', finishedAt: ago(5) });
    const observed = node({ request, progress: cordoned, unschedulable: true, hooks: [jobDone], hostHooks: new Set(['pre-drain']) });
    const action = decideWith(observed);
    assert.equal(action.type === 'hook-start' && action.run.kind, 'host');
    const hostRun = run({ kind: 'host', name: 'kreboot-pre-drain-n1-hx' });
    const waiting = node({
      request,
      progress: cordoned,
      unschedulable: true,
      hooks: [jobDone, hostRun],
      hostHooks: new Set(['pre-drain']),
      hookJob: { id: hostRun.name, point: 'pre-drain', notAfter: later(540).toISOString() },
    });
    assert.equal(decideWith(waiting).type, 'none', 'waits for the agent (its status write wakes the cycle)');
    const failed = decideWith({
      ...waiting,
      hookStatus: { id: hostRun.name, state: 'failed', at: NOW.toISOString(), exitCode: 3, message: 'exit code 3' },
    });
    assert.equal(failed.type === 'fail' && failed.hook?.kind, 'host');
    const ok = decideWith({ ...waiting, hookStatus: { id: hostRun.name, state: 'succeeded', at: NOW.toISOString() } });
    assert.equal(ok.type, 'hook-finish');
  });

  it('a host hook handed out beside no running run is removed (stale), whatever the phase', () => {
    const stale = node({
      request,
      progress: cordoned,
      unschedulable: true,
      hookJob: { id: 'old', point: 'pre-drain', notAfter: later(60).toISOString() },
    });
    assert.deepEqual(decideWith(stale), { type: 'disarm', hook: true });
    const idle = node({ hookJob: { id: 'old', point: 'post-reboot', notAfter: later(60).toISOString() } });
    assert.deepEqual(decide(idle, { holdsSlot: false }, NOW, HOOKS), { type: 'disarm', hook: true });
  });

  it('after the reboot: verified first, then the host hook, then the Job, then the uncordon', () => {
    assert.equal(decideWith(back({ ready: false })).type, 'none', 'not before the node is Ready');
    const host = decideWith(back({ hostHooks: new Set(['post-reboot']) }));
    assert.equal(host.type === 'hook-start' && `${host.run.point}/${host.run.kind}`, 'post-reboot/host');
    const hostDone = run({ point: 'post-reboot', kind: 'host', name: 'h', outcome: 'succeeded', finishedAt: ago(1) });
    const job = decideWith(back({ hostHooks: new Set(['post-reboot']), hooks: [hostDone] }));
    assert.equal(job.type === 'hook-start' && `${job.run.point}/${job.run.kind}`, 'post-reboot/job');
    assert.equal(job.type === 'hook-start' && job.run.name, hookRunName('n1', ROUND, 1, 'post-reboot', 'job'));
    const jobDone = run({ point: 'post-reboot', name: 'j', outcome: 'succeeded', finishedAt: ago(1) });
    assert.equal(decideWith(back({ hostHooks: new Set(['post-reboot']), hooks: [hostDone, jobDone] })).type, 'complete');
  });

  it('a post-reboot hook running is awaited even when the node turns NotReady or the verification window ends', () => {
    const running = run({ point: 'post-reboot', name: 'j' });
    const action = decideWith(back({ ready: false, progress: { ...verifying, since: ago(3600) }, hooks: [running] }));
    assert.deepEqual(action, { type: 'hook-check', run: running });
  });

  it('a post-reboot hook failing: the node is given back and not rebooted again until an operator asks', () => {
    const running = run({ point: 'post-reboot', name: 'j' });
    const action = decideWith(back({ hooks: [running] }), HOOKS, { fact: { type: 'hook-job', name: 'j', state: 'failed', message: 'x' } });
    assert.equal(action.type, 'fail');
    if (action.type !== 'fail') return;
    assert.equal(action.restore, true);
    assert.equal(action.retryAt, undefined);
    assert.equal(action.final, true);
    assert.match(action.reason, /not rebooting again until asked/);
    assert.equal(action.attempts, undefined, 'the reboot counted already');
  });

  it('runs of an earlier round do not count: a retry runs its hook again, under a new name', () => {
    const earlier = run({ round: ago(3600), outcome: 'succeeded', finishedAt: ago(3500) });
    const action = decideWith(node({ request, progress: { ...cordoned, attempts: 1 }, unschedulable: true, hooks: [earlier] }));
    assert.equal(action.type, 'hook-start');
    assert.notEqual(action.type === 'hook-start' && action.run.name, earlier.name);
  });
});

describe('a hook failure with --hook-failure=halt', () => {
  it('halts the rollout from the node record (given back, not out of service) until a resume after it', async () => {
    const { rolloutHalt } = await import('../../../src/controller/policy/plan.ts');
    const { isOutOfService } = await import('../../../src/store/node-progress.ts');
    const failed: NodeProgress = {
      phase: 'failed',
      since: ago(10),
      reason: 'pre-drain hook … failed',
      holdsRollout: true,
      retryAt: later(60).toISOString(),
    };
    assert.equal(isOutOfService(failed), false);
    const nodes = [node({ progress: failed })];
    assert.equal(rolloutHalt(nodes, undefined)?.node, 'n1');
    const resumed = { lock: undefined, paused: undefined, halted: undefined, resumed: { at: ago(5) } } as unknown as Parameters<
      typeof rolloutHalt
    >[1];
    assert.equal(rolloutHalt(nodes, resumed), undefined);
  });
});
