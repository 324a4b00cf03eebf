// The status model: what holds a waiting node (from the gates' own reasons), the counts, the time
// left from measured reboots, and the timeline of transitions.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildStatus } from '../../../src/controller/api/status.ts';
import { estimateRemaining } from '../../../src/controller/api/status-estimate.ts';
import { gateHold } from '../../../src/controller/api/status-gate.ts';
import { createTimeline } from '../../../src/controller/api/status-timeline.ts';
import { maintenanceWindowGate } from '../../../src/gates/maintenance-window-gate.ts';
import { describeAlerts } from '../../../src/gates/prometheus-alerts-gate.ts';
import type { Window } from '../../../src/gates/window.ts';
import type { NodeProgress } from '../../../src/store/node-progress.ts';
import { ago, node, NOW } from '../controller/fixtures.ts';

const request = { at: ago(900), kind: 'alert' as const };
const settings = { concurrency: 2, ttlMs: 0 };

describe('gateHold', () => {
  it("reads the opening time of a closed window from the gate's own verdict", async () => {
    const opens = Date.parse('2026-11-26T22:00:00.000Z');
    const window: Window = { description: 'Mon-Fri 22:00-06:00', contains: () => false, nextOpening: () => opens };
    const verdict = (await maintenanceWindowGate([window]).evaluate({ now: NOW, nodes: ['n1'] }))('n1');
    assert.equal(verdict.open, false);
    const hold = gateHold(`${verdict.open ? '' : verdict.gate}: ${verdict.open ? '' : verdict.reason}`);
    assert.equal(hold?.gate, 'maintenance-window');
    assert.equal(hold?.opensAt, '2026-11-26T22:00:00.000Z');
  });

  const rows: Array<[string, Partial<ReturnType<typeof gateHold> & object>]> = [
    [
      `prometheus-alerts: ${describeAlerts(['NodeDiskFull', 'KubeAPIDown'])}`,
      { gate: 'prometheus-alerts', alerts: ['NodeDiskFull', 'KubeAPIDown'] },
    ],
    [`prometheus-alerts: ${describeAlerts(['OnlyOne'])}`, { gate: 'prometheus-alerts', alerts: ['OnlyOne'] }],
    ['prometheus-alerts: cannot read alerts from Prometheus: connect ECONNREFUSED', { gate: 'prometheus-alerts', alerts: undefined }],
    ['blocking-pods: 2 blocking pods: batch/etl-7f, batch/backup-1', { gate: 'blocking-pods', pods: ['batch/etl-7f', 'batch/backup-1'] }],
    ['paused: rollout paused: change freeze; resume with "kreboot resume"', { gate: 'paused' }],
    ['maintenance-window: outside the maintenance window (never); never opens', { gate: 'maintenance-window', opensAt: undefined }],
  ];
  for (const [reason, expected] of rows) {
    it(reason, () => {
      const hold = gateHold(reason)!;
      for (const [key, value] of Object.entries(expected)) assert.deepEqual(hold[key as keyof typeof hold], value, key);
      assert.equal(hold.detail, reason.slice(reason.indexOf(': ') + 2));
    });
  }
  it('a reason without a gate prefix is not a hold', () => {
    assert.equal(gateHold('no kreboot agent reports on this node'), undefined);
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
        node({ name: 'c', request, progress: { phase: 'waiting', since: ago(30), reason: 'blocking-pods: 1 blocking pod: batch/etl' } }),
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
