// Table tests of the recovery policies for a node that does not come back (issue 24 part 3,
// kured #886; ADR 0020): each row is one situation of a stuck node and the action expected — the
// default halt, another reboot, a wait for a node that is not Ready, the handoff to remediation,
// the halt naming what was tried — and the remediation alert that acts on an already halted node.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { decide, type Action } from '../../../src/controller/policy/decide.ts';
import { recoveryHold, type RecoverySettings } from '../../../src/controller/policy/recovery.ts';
import { settleRecovering } from '../../../src/controller/lock/recovering-record.ts';
import { completePatch, dispatchPatch, failPatch, recoverPatch, type PatchSettings } from '../../../src/controller/steps/node-patches.ts';
import { isOutOfService, type NodeProgress } from '../../../src/store/node-progress.ts';
import type { RolloutRecord } from '../../../src/store/rollout-record.ts';
import { HALTED_ANNOTATION, RECOVERING_ANNOTATION } from '../../../src/store/keys.ts';
import { NOW, SETTINGS, ago, later, node } from './fixtures.ts';
import { sampleStatus } from '../../harness/operator-view/sample-status.ts';
import { changeLines, formatStatus } from '../../../src/cli/status-text.ts';
import { renderStatusFragment } from '../../../src/controller/status/status-fragment.ts';

const RETRY: RecoverySettings = { retries: 2, retryWindowMs: 10 * 60_000 };
const MARK = { labels: { 'repair.example.com/needed': 'true' }, annotations: {}, timeoutMs: 60 * 60_000 };
const HANDOFF: RecoverySettings = { retries: 0, retryWindowMs: 0, remediation: MARK };
const BOTH: RecoverySettings = { ...RETRY, remediation: MARK };

/** A node whose reboot job went out 31 minutes ago (the reboot timeout is 30). */
const timedOut = (extra: Partial<NodeProgress> = {}): NodeProgress => ({
  phase: 'rebooting',
  since: ago(31 * 60),
  reason: 'reboot job j1 handed to the agent (attempt 1)',
  bootIdBefore: 'boot-1',
  jobId: 'j1',
  attempts: 1,
  startedAt: ago(40 * 60),
  ...extra,
});

const stuckSince = ago(10 * 60);

interface Row {
  name: string;
  node: ReturnType<typeof node>;
  recovery?: RecoverySettings;
  settings?: Partial<typeof SETTINGS>;
  resumedAt?: string;
  expect: Partial<Action> & { type: Action['type'] };
  check?: (action: Action) => void;
}

const progressOf = (action: Action): NodeProgress | undefined =>
  action.type === 'recover' || action.type === 'remediate-halted' || action.type === 'rearm' ? action.progress : undefined;

const rows: Row[] = [
  {
    name: 'no policy (the default): a node not back within the reboot timeout halts the rollout, as before',
    node: node({ ready: false, progress: timedOut() }),
    expect: { type: 'fail', halt: true, restore: false, final: true },
    check: (action) =>
      assert.match(action.type === 'fail' ? action.reason : '', /did not come back within the reboot timeout \(not Ready\)/),
  },
  {
    name: 'retries: Ready under the same boot (the reboot never happened): rebooted again, 1 of 2',
    node: node({ ready: true, bootId: 'boot-1', progress: timedOut() }),
    recovery: RETRY,
    expect: { type: 'recover', step: 'retry' },
    check: (action) => {
      const progress = progressOf(action)!;
      assert.equal(progress.recovery?.retries, 1);
      assert.equal(progress.recovery?.since, NOW.toISOString());
      assert.match(progress.reason, /Ready under the same boot.*rebooted again \(1 of 2\)/);
    },
  },
  {
    name: 'retries: not Ready at the timeout: the agent cannot run a job, so wait (once) for it to come back',
    node: node({ ready: false, progress: timedOut() }),
    recovery: RETRY,
    expect: { type: 'recover', step: 'wait' },
    check: (action) => {
      const progress = progressOf(action)!;
      assert.equal(progress.recovery?.waited, true);
      assert.equal(progress.recovery?.retries, 0);
      assert.equal(progress.recovery?.until, later(600).toISOString());
      assert.match(progress.reason, /not Ready, so its agent cannot reboot it/);
    },
  },
  {
    name: 'retries: in the retry window, still not Ready: nothing until the window ends',
    node: node({
      ready: false,
      progress: timedOut({ recovery: { since: stuckSince, cause: 'x', retries: 0, waited: true, until: later(300).toISOString() } }),
    }),
    recovery: RETRY,
    expect: { type: 'none', requeueAt: later(300) },
  },
  {
    name: 'retries: back within the window under the same boot: rebooted again at once',
    node: node({
      ready: true,
      progress: timedOut({ recovery: { since: stuckSince, cause: 'x', retries: 0, waited: true, until: later(300).toISOString() } }),
    }),
    recovery: RETRY,
    expect: { type: 'recover', step: 'retry' },
    check: (action) => assert.equal(progressOf(action)?.recovery?.retries, 1),
  },
  {
    name: 'retries: back within the window under a new boot: verified as usual (the rollout goes on once done)',
    node: node({
      ready: true,
      bootId: 'boot-2',
      progress: timedOut({ recovery: { since: stuckSince, cause: 'x', retries: 0, waited: true, until: later(300).toISOString() } }),
    }),
    recovery: RETRY,
    expect: { type: 'verify' },
  },
  {
    name: 'retries: the window ended still not Ready, no remediation: halt naming what was tried',
    node: node({
      ready: false,
      progress: timedOut({
        since: ago(45 * 60),
        recovery: { since: stuckSince, cause: 'node did not come back', retries: 0, waited: true, until: ago(1) },
      }),
    }),
    recovery: RETRY,
    expect: { type: 'fail', halt: true, restore: false, final: true },
    check: (action) => assert.match(action.type === 'fail' ? action.reason : '', /nor after recovery; waited the retry window/),
  },
  {
    name: 'retries spent (2 of 2), the retry timed out too: halt, "rebooted again 2 of 2"',
    node: node({
      ready: true,
      progress: timedOut({ recovery: { since: stuckSince, cause: 'node did not come back', retries: 2, until: ago(60) } }),
    }),
    recovery: RETRY,
    expect: { type: 'fail', halt: true },
    check: (action) => assert.match(action.type === 'fail' ? action.reason : '', /rebooted again 2 of 2/),
  },
  {
    name: 'retries left but --max-reboot-attempts used up (one request, at most that many reboots): halt',
    node: node({ ready: true, progress: timedOut({ attempts: 2 }) }),
    recovery: RETRY,
    settings: { maxRebootAttempts: 2 },
    expect: { type: 'fail', halt: true },
  },
  {
    name: 'a retry in progress within its own timeout: nothing (the deadline is the retry job’s)',
    node: node({
      ready: true,
      progress: timedOut({ since: ago(60), recovery: { since: stuckSince, cause: 'x', retries: 1, until: later(29 * 60).toISOString() } }),
    }),
    recovery: RETRY,
    expect: { type: 'none', requeueAt: later(29 * 60) },
  },
  {
    name: 'remediation: not Ready at the timeout: handed over, waiting up to the remediation timeout',
    node: node({ ready: false, progress: timedOut() }),
    recovery: HANDOFF,
    expect: { type: 'recover', step: 'handoff' },
    check: (action) => {
      const progress = progressOf(action)!;
      assert.equal(progress.recovery?.handedAt, NOW.toISOString());
      assert.equal(progress.recovery?.until, later(3600).toISOString());
      assert.equal(progress.phase, 'rebooting');
      assert.match(progress.reason, /handed to remediation \(label repair\.example\.com\/needed=true\) at 2026-11-26T12:00:00\.000Z/);
    },
  },
  {
    name: 'both: retries spent, then handed over ("rebooted again 2 of 2; handed to remediation")',
    node: node({
      ready: true,
      progress: timedOut({ recovery: { since: stuckSince, cause: 'c', retries: 2, until: ago(60) } }),
    }),
    recovery: BOTH,
    expect: { type: 'recover', step: 'handoff' },
    check: (action) => assert.match(progressOf(action)!.reason, /rebooted again 2 of 2; handed to remediation/),
  },
  {
    name: 'both: not Ready, window not used yet: the wait comes before the handoff',
    node: node({ ready: false, progress: timedOut() }),
    recovery: BOTH,
    expect: { type: 'recover', step: 'wait' },
  },
  {
    name: 'handed over, remediation brought it back under a new boot: verify',
    node: node({
      ready: true,
      bootId: 'boot-9',
      progress: timedOut({ recovery: { since: stuckSince, cause: 'c', retries: 0, handedAt: ago(120), until: later(3000).toISOString() } }),
    }),
    recovery: HANDOFF,
    expect: { type: 'verify' },
  },
  {
    name: 'handed over and Ready under the same boot: no retry after a handoff, wait for the remediation',
    node: node({
      ready: true,
      progress: timedOut({
        recovery: { since: stuckSince, cause: 'c', retries: 0, waited: true, handedAt: ago(120), until: later(3000).toISOString() },
      }),
    }),
    recovery: BOTH,
    expect: { type: 'none' },
  },
  {
    name: 'handed over, past the remediation timeout: halt, and the reason says it was handed over',
    node: node({
      ready: false,
      progress: timedOut({
        recovery: { since: stuckSince, cause: 'node did not come back', retries: 0, handedAt: ago(3700), until: ago(100) },
      }),
    }),
    recovery: HANDOFF,
    expect: { type: 'fail', halt: true, restore: false },
    check: (action) => assert.match(action.type === 'fail' ? action.reason : '', /nor after remediation; handed to remediation/),
  },
  {
    name: 'verifying past the timeout (rebooted, not Ready), remediation named: handed over',
    node: node({ ready: false, bootId: 'boot-2', progress: { ...timedOut(), phase: 'verifying' } }),
    recovery: HANDOFF,
    expect: { type: 'recover', step: 'handoff' },
    check: (action) => assert.match(progressOf(action)!.reason, /did not pass verification/),
  },
  {
    name: 'halted node, a remediation alert fired after the halt, node Ready: a new reboot job, attempts counted afresh',
    node: node({
      ready: true,
      request: { at: ago(5), kind: 'remediation', alertname: 'NodeHung' },
      progress: { phase: 'failed', since: ago(60), reason: 'did not come back', haltedRollout: true, final: true, attempts: 2 },
    }),
    expect: { type: 'remediate-halted' },
    check: (action) => {
      const progress = progressOf(action)!;
      assert.equal(progress.attempts, 0);
      assert.equal(progress.haltedRollout, undefined);
      assert.match(progress.reason, /NodeHung fired for this halted node: rebooting it again \(the rollout stays halted\)/);
    },
  },
  {
    name: 'halted node, a remediation request older than the halt: nothing (the halt waits for an operator)',
    node: node({
      request: { at: ago(120), kind: 'remediation', alertname: 'NodeHung' },
      progress: { phase: 'failed', since: ago(60), reason: 'did not come back', haltedRollout: true, final: true },
    }),
    expect: { type: 'none' },
  },
  {
    name: 'halted node, an operator request (not an alert): kept for after the resume, as before',
    node: node({
      request: { at: ago(5), kind: 'api', by: 'ops' },
      progress: { phase: 'failed', since: ago(60), reason: 'did not come back', haltedRollout: true, final: true },
    }),
    expect: { type: 'none' },
  },
  {
    name: 'halted node not Ready, a remediation alert fired, no remediation path: nothing (its agent cannot run a job)',
    node: node({
      ready: false,
      request: { at: ago(5), kind: 'remediation', alertname: 'NodeHung' },
      progress: { phase: 'failed', since: ago(60), reason: 'did not come back', haltedRollout: true, final: true },
    }),
    expect: { type: 'none' },
  },
  {
    name: 'halted node not Ready, a remediation alert fired, remediation named: handed over (the halt stays)',
    node: node({
      ready: false,
      request: { at: ago(5), kind: 'remediation', alertname: 'NodeHung' },
      progress: { phase: 'failed', since: ago(60), reason: 'did not come back', haltedRollout: true, final: true, bootIdBefore: 'boot-1' },
    }),
    recovery: HANDOFF,
    expect: { type: 'recover', step: 'handoff' },
    check: (action) => {
      const progress = progressOf(action)!;
      assert.equal(progress.phase, 'rebooting');
      assert.equal(progress.haltedRollout, undefined);
      assert.match(progress.reason, /NodeHung fired for this halted node, which is not Ready; handed to remediation/);
    },
  },
  {
    name: 'resumed after a halt that followed a recovery: re-armed without the old recovery (the policies apply anew)',
    node: node({
      ready: false,
      progress: {
        ...timedOut(),
        phase: 'failed',
        since: ago(60),
        haltedRollout: true,
        final: true,
        recovery: { since: stuckSince, cause: 'c', retries: 2, until: ago(100) },
      },
    }),
    resumedAt: ago(5),
    recovery: RETRY,
    expect: { type: 'rearm' },
    check: (action) => assert.equal(progressOf(action)?.recovery, undefined),
  },
];

describe('decide() for a node that does not come back', () => {
  for (const row of rows) {
    it(row.name, () => {
      const input = { holdsSlot: isOutOfService(row.node.progress), ...(row.resumedAt ? { resumedAt: row.resumedAt } : {}) };
      // --max-reboot-attempts leaves room for every retry, as the configuration requires.
      const settings = { ...SETTINGS, maxRebootAttempts: 3, ...row.settings, ...(row.recovery ? { recovery: row.recovery } : {}) };
      const action = decide(row.node, input, NOW, settings);
      for (const [key, value] of Object.entries(row.expect))
        assert.deepEqual((action as Record<string, unknown>)[key], value, `${key} of ${JSON.stringify(action)}`);
      row.check?.(action);
    });
  }
});

describe('the rollout waits on a node being recovered', () => {
  const recovering = node({
    name: 'n2',
    progress: timedOut({
      reason: 'rebooted again (1 of 2)',
      recovery: { since: stuckSince, cause: 'c', retries: 1, until: later(60).toISOString() },
    }),
  });
  it('while the node is in flight under a recovery, the hold names it and what is tried', () => {
    assert.deepEqual(recoveryHold([node(), recovering], undefined), { at: stuckSince, node: 'n2', reason: 'rebooted again (1 of 2)' });
  });
  it('a node that is done (or halted) holds nothing', () => {
    assert.equal(recoveryHold([node({ progress: { phase: 'done', since: ago(1), reason: '' } })], undefined), undefined);
  });
  it('a node that is gone holds through the record kept on the lock DaemonSet', () => {
    const hold = recoveryHold(
      [node()],
      [{ at: stuckSince, node: 'gone', reason: 'handed to remediation', until: later(60).toISOString() }],
    );
    assert.equal(hold?.node, 'gone');
    assert.match(hold?.reason ?? '', /the node is gone: waiting until .* for a replacement to register/);
  });
});

describe('the recovery records on the lock DaemonSet', () => {
  const entry = { at: stuckSince, node: 'n2', reason: 'handed to remediation', until: later(600).toISOString() };
  const record = (recovering = [entry], halted?: RolloutRecord['halted']): RolloutRecord => ({
    lock: { holders: [], maxOwners: 1 } as unknown as RolloutRecord['lock'],
    paused: undefined,
    halted,
    resumed: undefined,
    resourceVersion: '1',
    recovering,
  });
  it('kept while the node is being recovered', () => {
    const n2 = node({ name: 'n2', progress: timedOut({ recovery: { since: stuckSince, cause: 'c', retries: 0, until: entry.until } }) });
    assert.equal(settleRecovering(record(), [n2], NOW).changes, undefined);
  });
  it('ended when the node is back (done)', () => {
    const n2 = node({ name: 'n2', progress: { phase: 'done', since: ago(1), reason: '' } });
    assert.deepEqual(settleRecovering(record(), [n2], NOW).changes, { [RECOVERING_ANNOTATION]: null });
  });
  it('kept while the node is gone and no replacement registered, waking at its deadline', () => {
    const settled = settleRecovering(record(), [node({ created: ago(3600) })], NOW);
    assert.equal(settled.changes, undefined);
    assert.equal(settled.nextDeadline, later(600).getTime());
  });
  it('ended when a replacement Node registered after the handoff (the rollout goes on)', () => {
    const settled = settleRecovering(record(), [node({ name: 'n2-new', created: ago(30) })], NOW);
    assert.deepEqual(settled.changes, { [RECOVERING_ANNOTATION]: null });
  });
  it('a replacement stamped within the same second as the handoff counts (the API server stamps seconds)', () => {
    const at = '2026-11-26T11:50:00.700Z';
    const settled = settleRecovering(record([{ ...entry, at }]), [node({ name: 'n2-new', created: '2026-11-26T11:50:00Z' })], NOW);
    assert.deepEqual(settled.changes, { [RECOVERING_ANNOTATION]: null });
    assert.equal(
      settleRecovering(record([{ ...entry, at }]), [node({ name: 'old', created: '2026-11-26T11:49:59Z' })], NOW).changes,
      undefined,
    );
  });
  it('a node gone past its deadline halts the rollout in the same write', () => {
    const settled = settleRecovering(record([{ ...entry, until: ago(1) }]), [node({ created: ago(3600) })], NOW);
    assert.equal(settled.changes?.[RECOVERING_ANNOTATION], null);
    const halt = JSON.parse(String(settled.changes?.[HALTED_ANNOTATION])) as { node: string; reason: string };
    assert.equal(halt.node, 'n2');
    assert.match(halt.reason, /the node is gone and no replacement registered/);
  });
});

describe('the remediation marks on the Node', () => {
  const v1: V1Node = { metadata: { name: 'n1', resourceVersion: '7', labels: {}, annotations: {} } };
  const settings: PatchSettings = {
    preferNoScheduleTaint: '',
    preRebootNodeLabels: {},
    postRebootNodeLabels: {},
    annotateNodes: false,
    rebootTimeoutMs: SETTINGS.rebootTimeoutMs,
    remediation: { labels: { 'repair/needed': 'true' }, annotations: { 'cluster.x-k8s.io/remediate': 'kreboot' }, timeoutMs: 1 },
  };
  const handed = timedOut({
    recovery: { since: stuckSince, cause: 'c', retries: 0, handedAt: NOW.toISOString(), until: later(60).toISOString() },
  });
  it('the handoff sets them in the write that records it, and removes the stale job', () => {
    const patch = recoverPatch(
      v1,
      node({ job: { id: 'j1', createdAt: ago(99), bootIdBefore: 'boot-1', notAfter: ago(1) } }),
      handed,
      settings,
    );
    assert.equal(patch.body.metadata.labels?.['repair/needed'], 'true');
    assert.equal(patch.body.metadata.annotations?.['cluster.x-k8s.io/remediate'], 'kreboot');
    assert.equal(patch.body.metadata.annotations?.['kreboot.dev/reboot-job'], null);
  });
  it('a wait sets none', () => {
    const waiting = timedOut({ recovery: { since: stuckSince, cause: 'c', retries: 0, waited: true, until: later(60).toISOString() } });
    assert.equal(recoverPatch(v1, node(), waiting, settings).body.metadata.labels?.['repair/needed'], undefined);
  });
  it('done or halted: they go, in the same write', () => {
    const observed = node({ progress: { ...handed, phase: 'verifying' } });
    const done = completePatch(v1, observed, NOW, settings);
    assert.match(done.progress?.reason ?? '', /rebooted and uncordoned \(recovered after it did not come back: handed to remediation at /);
    assert.equal(done.body.metadata.labels?.['repair/needed'], null);
    assert.equal(done.body.metadata.annotations?.['cluster.x-k8s.io/remediate'], null);
    const failed = failPatch(v1, observed, NOW, { reason: 'x', restore: false, halt: true, final: true }, settings);
    assert.equal(failed.body.metadata.labels?.['repair/needed'], null);
  });
  it('a retry job carries the recovery on; a verify after it keeps it; a failure ends it', () => {
    const retry = {
      ...timedOut(),
      reason: 'c; rebooted again (1 of 2)',
      recovery: { since: stuckSince, cause: 'c', retries: 1, until: later(60).toISOString() },
    };
    const dispatched = dispatchPatch(v1, node({ progress: timedOut() }), NOW, settings, 2, retry);
    assert.equal(dispatched.progress?.recovery?.retries, 1);
    assert.equal(dispatched.progress?.attempts, 2);
    assert.match(dispatched.progress?.reason ?? '', /^c; rebooted again \(1 of 2\): reboot job .* handed to the agent \(attempt 2\)$/);
    const failed = failPatch(v1, node({ progress: retry }), NOW, { reason: 'x', restore: false, halt: true, final: true }, settings);
    assert.equal(failed.progress?.recovery, undefined);
  });
});

describe('what an operator reads while a node is recovered', () => {
  const recovering = { node: 'node-1', reason: 'node did not come back; rebooted again (1 of 2)', at: ago(30) };
  it('kreboot status says the rollout waits on the node, and why', () => {
    const text = formatStatus(sampleStatus({ recovering }), { now: NOW });
    assert.match(text, /^RECOVERING node-1: node did not come back; rebooted again \(1 of 2\)/m);
    assert.doesNotMatch(text, /rollout active/);
  });
  it('status --watch prints one line when the wait begins', () => {
    const lines = changeLines(sampleStatus(), sampleStatus({ recovering }), NOW);
    assert.ok(
      lines.some((line) => line.endsWith('rollout waits on node-1: node did not come back; rebooted again (1 of 2)')),
      lines.join('\n'),
    );
  });
  it('the status page shows a banner naming the node', () => {
    assert.match(
      renderStatusFragment(sampleStatus({ recovering }), { now: NOW }),
      /data-state="recovering"><h2>Rollout waits on <b>node-1<\/b>/,
    );
  });
});
