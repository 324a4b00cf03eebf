// Table tests of the reboot state machine: each row is one situation and the action expected.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, silencesToExpire, wantsToStart, type Action, type RunnerFact } from '../../../src/controller/policy/decide.ts';
import { isOutOfService } from '../../../src/store/node-progress.ts';
import type { Verdict } from '../../../src/gates/gate.ts';
import { NOW, SETTINGS, ago, later, node } from './fixtures.ts';

const open: Verdict = { open: true };
const closed: Verdict = { open: false, gate: 'maintenance-window', reason: 'outside the window', retryAt: later(3600) };
const alertRequest = { at: ago(60), kind: 'alert' as const, alertname: 'RebootRequired' };

interface Row {
  name: string;
  node: ReturnType<typeof node>;
  holdsSlot?: boolean;
  verdict?: Verdict;
  resumedAt?: string;
  fact?: RunnerFact;
  settings?: Partial<typeof SETTINGS>;
  expect: Partial<Action> & { type: Action['type'] };
  check?: (action: Action) => void;
}

const rows: Row[] = [
  { name: 'no request, no progress: nothing', node: node(), expect: { type: 'none' } },
  { name: 'request with open gates: start', node: node({ request: alertRequest }), verdict: open, expect: { type: 'start' } },
  {
    // Found by the simulation (seed 30028): recorded as waiting, the node's copy of the halt was gone,
    // and the lock DaemonSet deleted and created again took the other copy.
    name: 'a failure that holds the rollout (--hook-failure=halt) keeps its record past its retry time until a resume',
    node: node({
      request: { at: ago(600), kind: 'api', by: 'operator' },
      progress: { phase: 'failed', since: ago(120), reason: 'pre-drain hook failed', retryAt: ago(60), attempts: 1, holdsRollout: true },
    }),
    verdict: { open: false, gate: 'halted', reason: 'rollout halted: n1: pre-drain hook failed' },
    expect: { type: 'none' },
  },
  {
    name: 'a failure that held the rollout, resumed since: asks to start again',
    node: node({
      request: { at: ago(600), kind: 'api', by: 'operator' },
      progress: { phase: 'failed', since: ago(120), reason: 'pre-drain hook failed', retryAt: ago(60), attempts: 1, holdsRollout: true },
    }),
    verdict: open,
    resumedAt: ago(30),
    expect: { type: 'start' },
  },
  {
    name: 'request with a closed gate: waiting with the gate reason, requeued at the reopening',
    node: node({ request: alertRequest }),
    verdict: closed,
    expect: { type: 'record' },
    check: (action) => {
      assert.equal(action.type === 'record' && action.progress.phase, 'waiting');
      assert.equal(action.type === 'record' && action.progress.reason, 'maintenance-window: outside the window');
      assert.deepEqual(action.type === 'record' && action.requeueAt, later(3600));
    },
  },
  {
    name: 'same closed gate again: no rewrite (level-based, no repeated events)',
    node: node({
      request: alertRequest,
      progress: {
        phase: 'waiting',
        since: ago(30),
        reason: 'maintenance-window: outside the window',
        hold: { gate: 'maintenance-window', retryAt: later(3600).toISOString() },
      },
    }),
    verdict: closed,
    expect: { type: 'none' },
  },
  {
    name: 'a closed gate keeps its name and reopening time on the record (the status reads them, not the words)',
    node: node({ request: alertRequest }),
    verdict: closed,
    expect: { type: 'record' },
    check: (action) =>
      assert.deepEqual(action.type === 'record' && action.progress.hold, {
        gate: 'maintenance-window',
        retryAt: later(3600).toISOString(),
      }),
  },
  {
    name: 'no verdict (no free slot), no record yet: nothing written (a request is queued by definition)',
    node: node({ request: alertRequest }),
    expect: { type: 'none' },
  },
  {
    name: 'no verdict (no free slot), no record yet, with --prefer-no-schedule-taint: queued is written (it carries the taint)',
    node: node({ request: alertRequest }),
    settings: { ...SETTINGS, preferNoScheduleTaint: 'kreboot.dev/reboot-pending' },
    expect: { type: 'record' },
    check: (action) => assert.equal(action.type === 'record' && action.progress.phase, 'queued'),
  },
  {
    name: 'no verdict (no free slot) after an earlier reboot: queued, waiting for a slot',
    node: node({
      request: { ...alertRequest, at: ago(10) },
      progress: { phase: 'done', since: ago(60), reason: 'rebooted and uncordoned' },
    }),
    expect: { type: 'record' },
    check: (action) => assert.equal(action.type === 'record' && action.progress.phase, 'queued'),
  },
  {
    name: 'no agent reports on the node: waiting, never started',
    node: node({ request: alertRequest, bootId: undefined }),
    verdict: open,
    expect: { type: 'record' },
    check: (action) => assert.match(action.type === 'record' ? action.progress.reason : '', /no kreboot agent/),
  },
  {
    name: 'stale alert request after the sentinel cleared: withdrawn, no reboot',
    node: node({ request: alertRequest, rebootRequired: false, sentinelCheckedAt: ago(10) }),
    verdict: open,
    expect: { type: 'record' },
    check: (action) => {
      assert.equal(action.type === 'record' && action.clearRequest, true);
      assert.equal(action.type === 'record' && action.progress.phase, 'done');
    },
  },
  {
    name: 'alert request newer than the last "not required" report: ask the agent to check now',
    node: node({ request: alertRequest, rebootRequired: false, sentinelCheckedAt: ago(600) }),
    verdict: open,
    expect: { type: 'request-check' },
  },
  {
    name: 'check already asked for: wait for the agent, never reboot on the old report',
    node: node({ request: alertRequest, rebootRequired: false, sentinelCheckedAt: ago(600), checkRequestedAt: ago(30) }),
    verdict: open,
    expect: { type: 'record' },
    check: (action) => assert.match(action.type === 'record' ? action.progress.reason : '', /check the sentinel again/),
  },
  {
    name: 'remediation request while the sentinel is clear: still starts',
    node: node({
      request: { at: ago(60), kind: 'remediation', alertname: 'KernelDeadlock' },
      rebootRequired: false,
      sentinelCheckedAt: ago(10),
    }),
    verdict: open,
    expect: { type: 'start' },
  },
  {
    name: 'cordoned, drain delay not over: requeue at its end',
    node: node({ progress: { phase: 'cordoned', since: ago(10), reason: '' } }),
    settings: { drainDelayMs: 60_000 },
    expect: { type: 'none', requeueAt: later(50) },
  },
  {
    name: 'cordoned, drain delay over: drain',
    node: node({ progress: { phase: 'cordoned', since: ago(10), reason: '' } }),
    expect: { type: 'drain' },
  },
  {
    name: 'draining within the timeout: keep draining',
    node: node({ progress: { phase: 'draining', since: ago(10), reason: '' } }),
    settings: { drainTimeoutMs: 60_000 },
    expect: { type: 'drain' },
  },
  {
    name: 'drain timed out: fail, restore (uncordon + release), retry after back-off',
    node: node({ progress: { phase: 'draining', since: ago(120), reason: 'eviction blocked by a PodDisruptionBudget: ns/p' } }),
    settings: { drainTimeoutMs: 60_000 },
    expect: { type: 'fail', restore: true, retryAt: later(300) },
  },
  {
    name: 'drain timed out with --force-reboot: reboot anyway',
    node: node({ progress: { phase: 'draining', since: ago(120), reason: '' } }),
    settings: { drainTimeoutMs: 60_000, forceReboot: true },
    expect: { type: 'dispatch' },
  },
  {
    name: 'drain without timeout (kured default 0): never fails',
    node: node({ progress: { phase: 'draining', since: ago(86_400), reason: '' } }),
    expect: { type: 'drain' },
  },
  {
    name: 'rebooting, boot ID unchanged: wait until the reboot timeout',
    node: node({ progress: { phase: 'rebooting', since: ago(60), reason: '', bootIdBefore: 'boot-1', jobId: 'j1', attempts: 1 } }),
    expect: { type: 'none', requeueAt: later(29 * 60) },
  },
  {
    name: 'rebooting, boot ID changed: verify',
    node: node({
      bootId: 'boot-2',
      progress: { phase: 'rebooting', since: ago(60), reason: '', bootIdBefore: 'boot-1', jobId: 'j1', attempts: 1 },
    }),
    expect: { type: 'verify' },
  },
  {
    name: 'rebooting past the reboot timeout: fail, keep cordoned, halt the rollout',
    node: node({ progress: { phase: 'rebooting', since: ago(31 * 60), reason: '', bootIdBefore: 'boot-1', jobId: 'j1', attempts: 1 } }),
    expect: { type: 'fail', restore: false, halt: true, final: true },
  },
  {
    name: 'reboot command failed: fail and retry later',
    node: node({
      jobStatus: { id: 'j1', state: 'failed', at: ago(5), bootId: 'boot-1', exitCode: 1, message: 'no such unit' },
      progress: { phase: 'rebooting', since: ago(60), reason: '', bootIdBefore: 'boot-1', jobId: 'j1', attempts: 1 },
    }),
    expect: { type: 'fail', restore: true, retryAt: later(300) },
    check: (action) => assert.match(action.type === 'fail' ? action.reason : '', /exit 1.*no such unit/),
  },
  {
    name: 'reboot command failed on the last attempt: give up for good',
    node: node({
      jobStatus: { id: 'j1', state: 'failed', at: ago(5), bootId: 'boot-1', exitCode: 1 },
      progress: { phase: 'rebooting', since: ago(60), reason: '', bootIdBefore: 'boot-1', jobId: 'j1', attempts: 2 },
    }),
    expect: { type: 'fail', restore: true, final: true },
  },
  {
    name: 'a failed status of an older job is ignored',
    node: node({
      jobStatus: { id: 'old', state: 'failed', at: ago(500), bootId: 'boot-1' },
      progress: { phase: 'rebooting', since: ago(60), reason: '', bootIdBefore: 'boot-1', jobId: 'j2', attempts: 1 },
    }),
    expect: { type: 'none' },
  },
  {
    name: 'verifying: Ready and the sentinel cleared after the job: complete',
    node: node({
      bootId: 'boot-2',
      rebootRequired: false,
      sentinelCheckedAt: ago(5),
      job: { id: 'j1', createdAt: ago(120), bootIdBefore: 'boot-1' },
      progress: { phase: 'verifying', since: ago(3), reason: '', attempts: 1, bootIdBefore: 'boot-1' },
    }),
    expect: { type: 'complete', releaseSlot: true },
  },
  {
    name: 'verifying, passed, with --lock-release-delay: complete, the slot kept until the delay ends (decided here, not by the runner)',
    node: node({
      bootId: 'boot-2',
      rebootRequired: false,
      sentinelCheckedAt: ago(5),
      job: { id: 'j1', createdAt: ago(120), bootIdBefore: 'boot-1' },
      progress: { phase: 'verifying', since: ago(3), reason: '', attempts: 1, bootIdBefore: 'boot-1' },
    }),
    settings: { lockReleaseDelayMs: 60_000 },
    expect: { type: 'complete', releaseSlot: false, requeueAt: later(60) },
  },
  {
    name: 'verifying: not Ready yet: wait',
    node: node({
      ready: false,
      bootId: 'boot-2',
      rebootRequired: false,
      sentinelCheckedAt: ago(5),
      job: { id: 'j1', createdAt: ago(120), bootIdBefore: 'boot-1' },
      progress: { phase: 'verifying', since: ago(3), reason: '', attempts: 1 },
    }),
    expect: { type: 'none' },
  },
  {
    name: 'verifying: the agent has not reported since the job: wait',
    node: node({
      bootId: 'boot-2',
      rebootRequired: true,
      sentinelCheckedAt: ago(200),
      job: { id: 'j1', createdAt: ago(120), bootIdBefore: 'boot-1' },
      progress: { phase: 'verifying', since: ago(3), reason: '', attempts: 1 },
    }),
    expect: { type: 'none' },
  },
  {
    name: 'verifying: sentinel still set, attempts left: reboot again',
    node: node({
      bootId: 'boot-2',
      rebootRequired: true,
      sentinelCheckedAt: ago(5),
      job: { id: 'j1', createdAt: ago(120), bootIdBefore: 'boot-1' },
      progress: { phase: 'verifying', since: ago(3), reason: '', attempts: 1 },
    }),
    expect: { type: 'dispatch' },
  },
  {
    name: 'verifying: sentinel still set after max attempts: no reboot loop',
    node: node({
      bootId: 'boot-3',
      rebootRequired: true,
      sentinelCheckedAt: ago(5),
      job: { id: 'j2', createdAt: ago(120), bootIdBefore: 'boot-2' },
      progress: { phase: 'verifying', since: ago(3), reason: '', attempts: 2 },
    }),
    expect: { type: 'fail', restore: true, final: true },
  },
  {
    name: 'verifying past the timeout: halt',
    node: node({
      ready: false,
      bootId: 'boot-2',
      job: { id: 'j1', createdAt: ago(4000), bootIdBefore: 'boot-1' },
      progress: { phase: 'verifying', since: ago(31 * 60), reason: '', attempts: 1 },
    }),
    expect: { type: 'fail', halt: true, restore: false },
  },
  {
    name: 'done and still holding the slot: release',
    node: node({ progress: { phase: 'done', since: ago(1), reason: '' } }),
    holdsSlot: true,
    expect: { type: 'release' },
  },
  {
    name: 'done, --lock-release-delay not over: hold the slot until then',
    node: node({ progress: { phase: 'done', since: ago(10), reason: '' } }),
    holdsSlot: true,
    settings: { lockReleaseDelayMs: 60_000 },
    expect: { type: 'none', requeueAt: later(50) },
  },
  {
    name: 'failed for good: an alert request does not restart it (no reboot loop)',
    node: node({ request: alertRequest, progress: { phase: 'failed', since: ago(30), reason: 'sentinel still set', final: true } }),
    verdict: open,
    expect: { type: 'none' },
  },
  {
    name: 'failed for good: an operator request made afterwards restarts it',
    node: node({
      request: { at: ago(5), kind: 'api', by: 'api' },
      progress: { phase: 'failed', since: ago(30), reason: 'sentinel still set', final: true },
    }),
    verdict: open,
    expect: { type: 'start' },
  },
  {
    name: 'failed with back-off not over: wait',
    node: node({ request: alertRequest, progress: { phase: 'failed', since: ago(30), reason: 'drain', retryAt: later(60).toISOString() } }),
    expect: { type: 'none', requeueAt: later(60) },
  },
  {
    name: 'failed, back-off over: start again',
    node: node({ request: alertRequest, progress: { phase: 'failed', since: ago(400), reason: 'drain', retryAt: ago(10) } }),
    verdict: open,
    expect: { type: 'start' },
  },
  {
    name: 'holding a slot taken before a crash while a gate is now closed: give the slot back',
    node: node({ request: alertRequest, progress: { phase: 'queued', since: ago(30), reason: '' } }),
    holdsSlot: true,
    verdict: closed,
    expect: { type: 'release' },
  },
  {
    name: 'queued holding a slot with the request withdrawn: give the slot back',
    node: node({ progress: { phase: 'queued', since: ago(30), reason: '' } }),
    holdsSlot: true,
    expect: { type: 'release' },
  },
  {
    name: 'queued, the request withdrawn (resolved alert): recorded done, the reason says so',
    node: node({ progress: { phase: 'waiting', since: ago(30), reason: 'maintenance-window: closed' } }),
    expect: { type: 'record' },
    check: (action) => {
      assert.equal(action.type === 'record' && action.progress.phase, 'done');
      assert.match(action.type === 'record' ? action.progress.reason : '', /withdrawn/);
    },
  },
  {
    name: 'the runner found no free slot: queued with its reason (the policy writes the phase)',
    node: node({ request: { ...alertRequest, at: ago(10) }, progress: { phase: 'waiting', since: ago(20), reason: 'window: closed' } }),
    verdict: open,
    fact: { type: 'no-slot', reason: 'waiting for a free slot (1/1 in flight)' },
    expect: { type: 'record' },
    check: (action) => {
      assert.equal(action.type === 'record' && action.progress.phase, 'queued');
      assert.equal(action.type === 'record' && action.progress.reason, 'waiting for a free slot (1/1 in flight)');
    },
  },
  {
    name: 'holding a slot, turned away by its zone: the slot is given back (two holders of a zone cannot wait on each other)',
    node: node({ request: { ...alertRequest, at: ago(10) }, progress: { phase: 'queued', since: ago(20), reason: '' } }),
    holdsSlot: true,
    verdict: open,
    fact: { type: 'no-slot', reason: 'zone a has its --max-unavailable-per-zone=1 nodes out of service' },
    expect: { type: 'release' },
  },
  {
    name: 'the drain pass found nothing left: hand out the job, its first attempt',
    node: node({ progress: { phase: 'draining', since: ago(10), reason: '' } }),
    fact: { type: 'drained' },
    expect: { type: 'dispatch', attempts: 1 },
  },
  {
    name: 'cordoned, the first pass left pods: recorded as draining with the reason',
    node: node({ progress: { phase: 'cordoned', since: ago(10), reason: '', wasUnschedulable: false, attempts: 0 } }),
    fact: { type: 'drain-waiting', reason: 'waiting for 1 pod(s) to terminate: ns/a', blockedByBudget: false },
    expect: { type: 'record', requeueAt: later(1) },
    check: (action) => {
      assert.equal(action.type === 'record' && action.progress.phase, 'draining');
      assert.equal(action.type === 'record' && action.progress.wasUnschedulable, false, 'the cordon record is carried');
    },
  },
  {
    name: 'draining, same kind of wait as recorded: no rewrite, requeue (later when PDB-blocked)',
    node: node({ progress: { phase: 'draining', since: ago(10), reason: 'eviction blocked by a PodDisruptionBudget: ns/a' } }),
    fact: { type: 'drain-waiting', reason: 'eviction blocked by a PodDisruptionBudget: ns/b', blockedByBudget: true },
    expect: { type: 'none', requeueAt: later(5) },
  },
  {
    name: 'a reboot job beside a failed record (timed out, or written by someone else): removed',
    node: node({
      job: { id: 'j1', createdAt: ago(4000), bootIdBefore: 'boot-1' },
      progress: { phase: 'failed', since: ago(30), reason: 'x', haltedRollout: true, final: true },
    }),
    holdsSlot: true,
    expect: { type: 'disarm' },
  },
  {
    name: 'a reboot job on a node kreboot is not rebooting: removed before anything else',
    node: node({ request: alertRequest, job: { id: 'evil', createdAt: ago(1), bootIdBefore: 'boot-1' } }),
    verdict: open,
    expect: { type: 'disarm' },
  },
  {
    name: 'in flight without a slot (the lock was edited): take the slot back before going on',
    node: node({ progress: { phase: 'rebooting', since: ago(60), reason: '', bootIdBefore: 'boot-1', jobId: 'j1', attempts: 1 } }),
    holdsSlot: false,
    expect: { type: 'reacquire' },
  },
  {
    name: 'halted by this node, an operator asks to reboot it: it keeps its slot and stays out (issue 12 #1)',
    node: node({
      request: { at: ago(5), kind: 'api', by: 'api' },
      ready: false,
      progress: { phase: 'failed', since: ago(30), reason: 'did not come back', haltedRollout: true, final: true, bootIdBefore: 'boot-1' },
    }),
    holdsSlot: true,
    verdict: { open: false, gate: 'halted', reason: 'rollout halted' },
    expect: { type: 'none' },
  },
  {
    name: 'halted, no resume since the failure: nothing moves',
    node: node({
      ready: false,
      progress: { phase: 'failed', since: ago(30), reason: 'did not come back', haltedRollout: true, final: true, bootIdBefore: 'boot-1' },
    }),
    holdsSlot: true,
    resumedAt: ago(60),
    expect: { type: 'none' },
  },
  {
    name: 'halted, resumed since and still not back: rebooting again with a fresh timeout',
    node: node({
      ready: false,
      progress: {
        phase: 'failed',
        since: ago(30),
        reason: 'did not come back',
        haltedRollout: true,
        final: true,
        bootIdBefore: 'boot-1',
        attempts: 1,
      },
    }),
    holdsSlot: true,
    resumedAt: ago(5),
    expect: { type: 'rearm' },
    check: (action) => {
      assert.equal(action.type === 'rearm' && action.progress.phase, 'rebooting');
      assert.equal(action.type === 'rearm' && action.progress.since, NOW.toISOString());
      assert.equal(action.type === 'rearm' && action.progress.haltedRollout, undefined);
    },
  },
  {
    name: 'halted, resumed, up under the same boot (the job never ran): another job while attempts last',
    node: node({
      ready: true,
      progress: {
        phase: 'failed',
        since: ago(30),
        reason: 'did not come back',
        haltedRollout: true,
        final: true,
        bootIdBefore: 'boot-1',
        attempts: 1,
      },
    }),
    holdsSlot: true,
    resumedAt: ago(5),
    expect: { type: 'dispatch' },
  },
  {
    name: 'halted, resumed, up under the same boot and no attempts left: given back for good',
    node: node({
      ready: true,
      progress: {
        phase: 'failed',
        since: ago(30),
        reason: 'did not come back',
        haltedRollout: true,
        final: true,
        bootIdBefore: 'boot-1',
        attempts: 2,
      },
    }),
    holdsSlot: true,
    resumedAt: ago(5),
    expect: { type: 'fail', restore: true, final: true },
  },
  {
    name: 'a retry that waits on a gate keeps the attempts of its request',
    node: node({
      request: alertRequest,
      progress: { phase: 'failed', since: ago(400), reason: 'reboot command failed', retryAt: ago(10), attempts: 1 },
    }),
    verdict: closed,
    expect: { type: 'record' },
    check: (action) => assert.equal(action.type === 'record' && action.progress.attempts, 1),
  },
  {
    name: 'a retry the gates let start carries the attempts of its request (counted here, not by the patch builder)',
    node: node({
      request: alertRequest,
      progress: { phase: 'failed', since: ago(400), reason: 'reboot command failed', retryAt: ago(10), attempts: 1 },
    }),
    verdict: open,
    holdsSlot: false,
    expect: { type: 'start', attempts: 1 },
  },
  {
    name: 'a first start counts no attempt yet',
    node: node({ request: alertRequest }),
    verdict: open,
    expect: { type: 'start', attempts: 0 },
  },
  {
    name: 'halted, resumed and back under a new boot: verifying',
    node: node({
      bootId: 'boot-2',
      progress: {
        phase: 'failed',
        since: ago(30),
        reason: 'did not come back',
        haltedRollout: true,
        final: true,
        bootIdBefore: 'boot-1',
        attempts: 1,
      },
    }),
    holdsSlot: true,
    resumedAt: ago(5),
    expect: { type: 'rearm' },
    check: (action) => assert.equal(action.type === 'rearm' && action.progress.phase, 'verifying'),
  },
  {
    // Issue 26: silences are expired beside the cycle (silencesToExpire), never ahead of the node's own step.
    name: 'done with silences recorded and still holding the slot: release (the expiry never goes first)',
    node: node({ silences: ['s1'], progress: { phase: 'done', since: ago(1), reason: '' } }),
    holdsSlot: true,
    expect: { type: 'release' },
  },
  {
    name: 'done with silences recorded and a new request: start (the next reboot does not wait for the expiry)',
    node: node({ silences: ['s1'], request: { ...alertRequest, at: ago(5) }, progress: { phase: 'done', since: ago(10), reason: '' } }),
    verdict: open,
    expect: { type: 'start' },
  },
  {
    name: 'rebooting with silences: they stay',
    node: node({
      silences: ['s1'],
      progress: { phase: 'rebooting', since: ago(60), reason: '', bootIdBefore: 'boot-1', jobId: 'j1', attempts: 1 },
    }),
    expect: { type: 'none' },
  },
  {
    name: 're-armed into verifying without a job: ask the agent for a fresh report',
    node: node({
      bootId: 'boot-2',
      rebootRequired: true,
      sentinelCheckedAt: ago(300),
      progress: { phase: 'verifying', since: ago(2), reason: '', attempts: 1 },
    }),
    holdsSlot: true,
    expect: { type: 'request-check' },
  },
];

describe('decide()', () => {
  for (const row of rows) {
    it(row.name, () => {
      // A node kreboot has out of service holds its slot unless the row says otherwise.
      const input = {
        holdsSlot: row.holdsSlot ?? isOutOfService(row.node.progress),
        ...(row.verdict ? { verdict: row.verdict } : {}),
        ...(row.resumedAt ? { resumedAt: row.resumedAt } : {}),
        ...(row.fact ? { fact: row.fact } : {}),
      };
      const action = decide(row.node, input, NOW, { ...SETTINGS, ...row.settings });
      for (const [key, value] of Object.entries(row.expect)) {
        assert.deepEqual((action as Record<string, unknown>)[key], value, `${key} of ${JSON.stringify(action)}`);
      }
      row.check?.(action);
    });
  }
});

describe('wantsToStart()', () => {
  it('in-flight nodes never ask to start again', () => {
    for (const phase of ['cordoned', 'draining', 'rebooting', 'verifying'] as const) {
      assert.equal(wantsToStart(node({ request: alertRequest, progress: { phase, since: ago(5), reason: '' } }), NOW), false, phase);
    }
  });
  it('a node kreboot keeps out of service (halted) never asks to start, whatever is requested', () => {
    const halted = { phase: 'failed' as const, since: ago(60), reason: '', haltedRollout: true, final: true };
    assert.equal(wantsToStart(node({ request: { at: ago(5), kind: 'api', by: 'api' }, progress: halted }), NOW), false);
  });
  it('a request newer than the last completion asks again; an older one does not', () => {
    assert.equal(
      wantsToStart(node({ request: { ...alertRequest, at: ago(5) }, progress: { phase: 'done', since: ago(60), reason: '' } }), NOW),
      true,
    );
    assert.equal(
      wantsToStart(node({ request: { ...alertRequest, at: ago(120) }, progress: { phase: 'done', since: ago(60), reason: '' } }), NOW),
      false,
    );
  });
});

describe('silencesToExpire()', () => {
  const rebooting = { phase: 'rebooting' as const, since: ago(60), reason: '', bootIdBefore: 'boot-1', jobId: 'j1', attempts: 1 };
  const table: Array<[string, Parameters<typeof node>[0], readonly string[]]> = [
    ['done: its silences', { silences: ['s1', 's2'], progress: { phase: 'done', since: ago(1), reason: '' } }, ['s1', 's2']],
    [
      'failed: its silences (a failure must be heard)',
      { silences: ['s1'], progress: { phase: 'failed', since: ago(1), reason: '' } },
      ['s1'],
    ],
    [
      'halted: its silences too',
      { silences: ['s1'], progress: { phase: 'failed', since: ago(1), reason: '', haltedRollout: true, final: true } },
      ['s1'],
    ],
    [
      'queued again after a reboot: the old silences',
      { silences: ['s1'], progress: { phase: 'queued', since: ago(1), reason: '' } },
      ['s1'],
    ],
    ['no record at all', { silences: ['s1'] }, ['s1']],
    ['rebooting: none, they cover this reboot', { silences: ['s1'], progress: rebooting }, []],
    ['done without silences: none', { progress: { phase: 'done', since: ago(1), reason: '' } }, []],
  ];
  for (const [name, fields, expected] of table) it(name, () => assert.deepEqual(silencesToExpire(node(fields)), expected));
});
