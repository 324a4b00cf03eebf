// The status model: what holds a waiting node (the gate's verdict as the record keeps it), the counts, the time
// left from measured reboots, and the timeline of transitions.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildStatus } from '../../../src/controller/status/status.ts';
import { estimateRemaining } from '../../../src/controller/status/status-estimate.ts';
import { gateHold } from '../../../src/controller/status/status-gate.ts';
import { createTimeline } from '../../../src/controller/status/status-timeline.ts';
import { decide } from '../../../src/controller/policy/decide.ts';
import { blocked, type Verdict } from '../../../src/gates/gate.ts';
import { maintenanceWindowGate } from '../../../src/gates/maintenance-window-gate.ts';
import { describeAlerts } from '../../../src/gates/prometheus-alerts-gate.ts';
import type { Window } from '../../../src/gates/window.ts';
import type { NodeProgress } from '../../../src/store/node-progress.ts';
import { ago, node, NOW, SETTINGS } from '../controller/fixtures.ts';

const request = { at: ago(900), kind: 'alert' as const };
const settings = { concurrency: 2, ttlMs: 0 };

/** The record decide() keeps for a candidate the verdict holds: what the status reads. */
function waitingOn(verdict: Verdict): NodeProgress {
  const action = decide(node({ request }), { holdsSlot: false, verdict }, NOW, SETTINGS);
  assert.equal(action.type, 'record');
  return action.type === 'record' ? action.progress : (undefined as never);
}

describe('gateHold', () => {
  it("reads the opening time of a closed window from the gate's own verdict, kept on the record", async () => {
    const opens = Date.parse('2026-11-26T22:00:00.000Z');
    const window: Window = { description: 'Mon-Fri 22:00-06:00', contains: () => false, nextOpening: () => opens };
    const verdict = (await maintenanceWindowGate([window]).evaluate({ now: NOW, nodes: ['n1'] }))('n1');
    assert.equal(verdict.open, false);
    const hold = gateHold(waitingOn(verdict));
    assert.equal(hold?.gate, 'maintenance-window');
    assert.equal(hold?.opensAt, '2026-11-26T22:00:00.000Z');
  });

  const rows: Array<[Verdict, Partial<ReturnType<typeof gateHold> & object>]> = [
    [
      blocked('prometheus-alerts', describeAlerts(['NodeDiskFull', 'KubeAPIDown']), undefined, ['NodeDiskFull', 'KubeAPIDown']),
      { gate: 'prometheus-alerts', alerts: ['NodeDiskFull', 'KubeAPIDown'] },
    ],
    [blocked('prometheus-alerts', describeAlerts(['OnlyOne']), undefined, ['OnlyOne']), { gate: 'prometheus-alerts', alerts: ['OnlyOne'] }],
    [
      blocked('prometheus-alerts', 'cannot read alerts from Prometheus: connect ECONNREFUSED'),
      { gate: 'prometheus-alerts', alerts: undefined },
    ],
    [
      blocked('blocking-pods', '2 blocking pods: batch/etl-7f, batch/backup-1', undefined, ['batch/etl-7f', 'batch/backup-1']),
      { gate: 'blocking-pods', pods: ['batch/etl-7f', 'batch/backup-1'] },
    ],
    [blocked('paused', 'rollout paused: change freeze; resume with "kreboot resume"'), { gate: 'paused' }],
    [
      blocked('maintenance-window', 'outside the maintenance window (never); never opens'),
      { gate: 'maintenance-window', opensAt: undefined },
    ],
  ];
  for (const [verdict, expected] of rows) {
    const words = verdict.open ? '' : verdict.reason;
    it(`${expected.gate}: ${words}`, () => {
      const hold = gateHold(waitingOn(verdict))!;
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(hold[key as keyof typeof hold], value, key);
      assert.equal(hold.detail, words);
    });
  }
  it('the words alone are not read: a record without a hold (none, or written before it was kept) shows no gate', () => {
    assert.equal(gateHold({ reason: 'no kreboot agent reports on this node' }), undefined);
    assert.equal(gateHold({ reason: 'blocking-pods: 2 blocking pods: a/b, c/d' }), undefined);
  });
  it('a record written before the hold was kept is written again once, with it', () => {
    const verdict = blocked('blocking-pods', '1 blocking pod: a/b', undefined, ['a/b']);
    const before: NodeProgress = { phase: 'waiting', since: ago(60), reason: 'blocking-pods: 1 blocking pod: a/b' };
    const action = decide(node({ request, progress: before }), { holdsSlot: false, verdict }, NOW, SETTINGS);
    assert.equal(action.type, 'record');
    assert.deepEqual(action.type === 'record' && action.progress.hold, { gate: 'blocking-pods', holding: ['a/b'] });
    const again = decide(node({ request, progress: waitingOn(verdict) }), { holdsSlot: false, verdict }, NOW, SETTINGS);
    assert.equal(again.type, 'none', 'the same hold is not written again');
  });
});

describe('estimateRemaining', () => {
  const done = (seconds: number) => ({ phase: 'done', since: ago(0), startedAt: ago(seconds), inFlight: false });
  it('has no estimate before a reboot has finished', () => {
    assert.equal(estimateRemaining([{ phase: 'rebooting', since: ago(5), startedAt: ago(30), inFlight: true }], 3, 1, NOW), null);
  });
  it('queued nodes take the average, concurrency at a time; a node in flight what is left of it', () => {
    const estimate = estimateRemaining(
      [done(60), done(120), { phase: 'draining', since: ago(10), startedAt: ago(30), inFlight: true }],
      2,
      1,
      NOW,
    )!;
    assert.equal(estimate.averageRebootSeconds, 90);
    assert.equal(estimate.measured, 2);
    assert.equal(estimate.remainingSeconds, 60 + 2 * 90);
    assert.equal(estimateRemaining([done(60)], 4, 2, NOW)!.remainingSeconds, 120);
  });
  it('nothing pending and nothing in flight: no time left', () => {
    assert.equal(estimateRemaining([done(60)], 0, 1, NOW)!.remainingSeconds, 0);
  });
});

describe('timeline', () => {
  const progress = (phase: NodeProgress['phase'], since: number, extra: Partial<NodeProgress> = {}): NodeProgress => ({
    phase,
    since: ago(since),
    reason: `${phase} reason`,
    ...extra,
  });
  it('records each new phase once, with the time spent in the one before and the whole reboot', () => {
    const timeline = createTimeline();
    assert.equal(timeline.observe([{ name: 'n1', progress: progress('cordoned', 100, { startedAt: ago(100) }) }]), true);
    assert.equal(
      timeline.observe([{ name: 'n1', progress: progress('cordoned', 100, { startedAt: ago(100), reason: 'reworded' }) }]),
      false,
    );
    timeline.observe([
      { name: 'n1', progress: progress('rebooting', 70, { startedAt: ago(100) }) },
      { name: 'n2', progress: undefined },
    ]);
    timeline.observe([{ name: 'n1', progress: progress('done', 10, { startedAt: ago(100) }) }]);
    const [latest, middle, first] = timeline.entries();
    assert.deepEqual([latest!.to, middle!.to, first!.to], ['done', 'rebooting', 'cordoned']);
    assert.equal(first!.from, undefined);
    assert.equal(middle!.spentMs, 30_000);
    assert.equal(latest!.rebootMs, 90_000);
    assert.equal(latest!.failed, false);
  });
  it('marks failures, and keeps only the newest entries', () => {
    const timeline = createTimeline(3);
    for (let i = 0; i < 5; i++) timeline.observe([{ name: 'n1', progress: progress(i % 2 ? 'failed' : 'cordoned', 100 - i) }]);
    assert.equal(timeline.entries().length, 3);
    assert.equal(timeline.entries()[0]!.to, 'cordoned');
    assert.equal(timeline.entries()[1]!.failed, true);
  });
});

describe('buildStatus', () => {
  it('counts the nodes by where they are, says what holds the waiting ones and estimates the rest', () => {
    const status = buildStatus({
      nodes: [
        node({ name: 'a', request, progress: { phase: 'done', since: ago(100), startedAt: ago(200), reason: 'back' } }),
        node({ name: 'b', request, progress: { phase: 'rebooting', since: ago(20), startedAt: ago(50), reason: 'job handed over' } }),
        node({
          name: 'c',
          request,
          progress: {
            phase: 'waiting',
            since: ago(30),
            reason: 'blocking-pods: 1 blocking pod: batch/etl',
            hold: { gate: 'blocking-pods', holding: ['batch/etl'] },
          },
        }),
        node({ name: 'd', request: { at: ago(10), kind: 'api' } }),
        node({
          name: 'e',
          request,
          progress: { phase: 'failed', since: ago(5), reason: 'drain failed', retryAt: new Date(NOW.getTime() + 60_000).toISOString() },
        }),
        node({ name: 'quiet', rebootRequired: false }),
      ],
      rollout: undefined,
      halt: undefined,
      leader: false,
      identity: 'replica-2',
      leaderIdentity: 'replica-1',
      settings,
      now: NOW,
      notifications: [],
    });
    assert.deepEqual(status.progress, { done: 1, inFlight: 1, queued: 1, waiting: 1, failed: 1 });
    assert.deepEqual(
      status.nodes.map((n) => n.name),
      ['a', 'b', 'c', 'd', 'e'],
    );
    assert.deepEqual(status.nodes.find((n) => n.name === 'c')?.gate?.pods, ['batch/etl']);
    assert.equal(status.nodes.find((n) => n.name === 'e')?.retryAt, new Date(NOW.getTime() + 60_000).toISOString());
    assert.equal(status.leaderIdentity, 'replica-1');
    // One reboot measured at 100 s; b has 50 s left; c and d wait for 100 s each, two slots.
    assert.equal(status.estimate?.remainingSeconds, 125);
    assert.deepEqual(status.timeline, []);
  });
});
