// Which transitions people hear about: kured's drain → reboot → uncordon, blocked once per reason,
// and the failure kinds — whatever the path through the phases.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import type { V1Node } from '@kubernetes/client-node';
import { createControllerMetrics } from '../../../src/controller/observe/metrics.ts';
import { announceTransition } from '../../../src/controller/observe/transitions.ts';
import type { NodeProgress, Phase } from '../../../src/store/node-progress.ts';
import { createLogger } from '../../../src/log/logger.ts';
import type { NotificationEvent } from '../../../src/notify/event.ts';

function replay(steps: Array<[Phase, string]>): { notified: NotificationEvent[]; events: string[] } {
  const notified: NotificationEvent[] = [];
  const events: string[] = [];
  const sinks = {
    log: createLogger({ format: 'json', level: 'silent', name: 'test' }),
    events: { record: (_node: V1Node, phase: Phase) => void events.push(phase) },
    notify: (event: NotificationEvent) => void notified.push(event),
    metrics: createControllerMetrics(new Registry(), {
      nodes: () => [],
      rollout: () => undefined,
      halt: () => undefined,
      leader: () => true,
    }),
  };
  const node: V1Node = { metadata: { name: 'n1' } };
  let before: NodeProgress | undefined;
  let second = 0;
  for (const [phase, reason] of steps) {
    const after: NodeProgress = {
      phase,
      reason,
      since: new Date(Date.UTC(2026, 10, 26, 12, 0, second++)).toISOString(),
      startedAt: '2026-11-26T12:00:00.000Z',
    };
    announceTransition(sinks, node, before, after);
    before = after;
  }
  return { notified, events };
}

describe('announceTransition', () => {
  it('says drain, reboot, uncordon in order, also when the drain finished in its first pass', () => {
    const slow = replay([
      ['queued', 'slot'],
      ['cordoned', 'c'],
      ['draining', 'pods'],
      ['draining', 'pdb: x'],
      ['rebooting', 'job'],
      ['verifying', 'v'],
      ['done', 'ok'],
    ]);
    assert.deepEqual(
      slow.notified.map((event) => event.kind),
      ['drain', 'reboot', 'uncordon'],
    );
    const fast = replay([
      ['cordoned', 'c'],
      ['rebooting', 'job'],
      ['verifying', 'v'],
      ['done', 'ok'],
    ]);
    assert.deepEqual(
      fast.notified.map((event) => event.kind),
      ['drain', 'reboot', 'uncordon'],
    );
    assert.equal(fast.notified.at(-1)?.durationMs, 3000);
  });

  it('announces blocked once per reason, and an Event for every change', () => {
    const { notified, events } = replay([
      ['waiting', 'window closed'],
      ['waiting', 'window closed'],
      ['waiting', 'alert HighLoad'],
    ]);
    assert.deepEqual(
      notified.map((event) => [event.kind, event.reason]),
      [
        ['blocked', 'window closed'],
        ['blocked', 'alert HighLoad'],
      ],
    );
    assert.deepEqual(events, ['waiting', 'waiting']);
  });

  it('tells a failed drain from a failed reboot', () => {
    assert.equal(
      replay([
        ['cordoned', 'c'],
        ['draining', 'pdb'],
        ['failed', 'drain timeout'],
      ]).notified.at(-1)?.kind,
      'drain-failed',
    );
    assert.equal(
      replay([
        ['cordoned', 'c'],
        ['rebooting', 'job'],
        ['failed', 'timeout'],
      ]).notified.at(-1)?.kind,
      'reboot-failed',
    );
  });
});

describe('Events (ADR 0026)', () => {
  it("one per step that changes the node's service or waits, none for the drain's and the verification's routine course", () => {
    const { events } = replay([
      ['waiting', 'maintenance-window: closed'],
      ['cordoned', 'cordoned; drain follows'],
      ['draining', 'waiting for 3 pod(s) to terminate: a/x, a/y, a/z'],
      ['draining', 'eviction blocked by a PodDisruptionBudget: a/z'],
      ['draining', 'waiting for 1 pod(s) to terminate: a/z'],
      ['draining', 'drain error, retrying: the API server is down'],
      ['rebooting', 'reboot job j handed to the agent (attempt 1)'],
      ['verifying', 'boot ID changed; waiting for Ready and the sentinel to clear'],
      ['verifying', 'node rebooted but did not pass verification within the reboot timeout (not Ready): retrying'],
      ['done', 'rebooted and uncordoned'],
    ]);
    assert.deepEqual(events, ['waiting', 'cordoned', 'draining', 'draining', 'rebooting', 'verifying', 'done']);
  });

  it('a node re-armed into verifying after a resume gets its Event (it did not come from rebooting)', () => {
    const { events } = replay([
      ['failed', 'node did not come back within the reboot timeout'],
      ['verifying', 'resumed; the node came back: verifying it'],
    ]);
    assert.deepEqual(events, ['failed', 'verifying']);
  });
});
