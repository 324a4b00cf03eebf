// The dry-run plan as a table: waves under the concurrency and zone limits, nodes held by their own
// gates listed with the reason and the opening time, the rollout-wide hold reported apart, and the
// estimate from the reboots recorded on the nodes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forecast } from '../../../src/controller/policy/forecast.ts';
import { NO_TOPOLOGY } from '../../../src/controller/policy/plan.ts';
import { NOW, ago, later, node } from './fixtures.ts';

const open = () => ({ open: true as const });
const request = { at: ago(60), kind: 'alert' as const };
const zoned = (name: string, zone: string) => node({ name, labels: { zone }, request });
const done = (name: string, seconds: number) =>
  node({ name, progress: { phase: 'done', since: ago(100), reason: '', startedAt: ago(100 + seconds) } });

describe('forecast()', () => {
  it('groups the pending nodes in waves the concurrency and zone limits allow', () => {
    const nodes = [zoned('a1', 'a'), zoned('a2', 'a'), zoned('b1', 'b'), zoned('b2', 'b'), zoned('c1', 'c')];
    const result = forecast({
      nodes,
      lock: { holders: [] },
      settings: { concurrency: 2, ttlMs: 0 },
      topology: { ...NO_TOPOLOGY, zoneLabel: 'zone', maxUnavailablePerZone: 1 },
      held: undefined,
      verdict: open,
      now: NOW,
    });
    assert.deepEqual(result.waves, [['a1', 'b1'], ['a2', 'b2'], ['c1']]);
    assert.equal(result.rolloutHeld, null);
  });

  it('lists nodes their own gate holds, with the reason and when it may open; the rollout hold apart', () => {
    const nodes = [zoned('a1', 'a'), zoned('b1', 'b')];
    const verdict = (name: string) =>
      name === 'b1'
        ? { open: false as const, gate: 'maintenance-window', reason: 'closed', retryAt: later(3600) }
        : { open: true as const };
    const result = forecast({
      nodes,
      lock: { holders: [] },
      settings: { concurrency: 1, ttlMs: 0 },
      topology: NO_TOPOLOGY,
      held: { open: false, gate: 'paused', reason: 'freeze' },
      verdict,
      now: NOW,
    });
    assert.deepEqual(result.waves, [['a1']]);
    assert.deepEqual(result.held, [{ node: 'b1', gate: 'maintenance-window', reason: 'closed', until: later(3600).toISOString() }]);
    assert.deepEqual(result.rolloutHeld, { gate: 'paused', reason: 'freeze' });
  });

  it('estimates from the median recorded reboot; unknown before any', () => {
    const pending = [zoned('a1', 'a'), zoned('a2', 'a')];
    const settings = { concurrency: 1, ttlMs: 0 };
    assert.equal(
      forecast({ nodes: pending, lock: { holders: [] }, settings, topology: NO_TOPOLOGY, held: undefined, verdict: open, now: NOW })
        .estimate.totalSeconds,
      null,
    );
    const measured = forecast({
      nodes: [...pending, done('x', 30), done('y', 50), done('z', 40)],
      lock: { holders: [] },
      settings,
      topology: NO_TOPOLOGY,
      held: undefined,
      verdict: open,
      now: NOW,
    });
    assert.deepEqual(measured.estimate, { perNodeSeconds: 40, totalSeconds: 80, basedOn: 3 });
  });
});
