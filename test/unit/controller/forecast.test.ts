// The dry-run plan as a table: waves under the concurrency and zone limits, nodes held by their own
// gates listed with the reason and the opening time, the rollout-wide hold reported apart, and the
// estimate from the reboots recorded on the nodes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { forecast } from '../../../src/controller/policy/forecast.ts';
import { NO_TOPOLOGY, planCycle, slotLedger, zoneOf } from '../../../src/controller/policy/plan.ts';
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

describe('forecast() waves, built in O(n log z) (issue 26, item 9)', () => {
  /** The wave loop as it was (every node left offered in every wave, O(n²)): the reference. */
  function referenceWaves(input: Parameters<typeof forecast>[0]): string[][] {
    const plan = planCycle(input.nodes, input.lock, input.settings, input.now, input.topology);
    let going = plan.candidates.filter((candidate) => input.verdict(candidate.name).open);
    const waves: string[][] = [];
    let ledger = slotLedger(plan, input.settings, input.topology);
    for (let round = 0; going.length > 0 && round <= plan.candidates.length; round++) {
      const wave: string[] = [];
      const left: typeof going = [];
      for (const candidate of going) {
        if (ledger.offer(candidate, false).ok) {
          ledger.took(candidate);
          wave.push(candidate.name);
        } else left.push(candidate);
      }
      if (wave.length > 0) waves.push(wave);
      going = left;
      const nextZone = left[0] ? zoneOf(left[0], input.topology) : undefined;
      ledger = slotLedger(
        { free: input.settings.concurrency, outByZone: new Map(), activeZone: input.topology.zoneByZone ? nextZone : undefined },
        input.settings,
        input.topology,
      );
    }
    return waves;
  }

  it('gives the same waves as the quadratic loop on 300 random clusters (zones, caps, zone by zone, nodes out, gates)', () => {
    let seed = 26;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let trial = 0; trial < 300; trial++) {
      const zones = 1 + random(5);
      const nodes = Array.from({ length: 1 + random(40) }, (_, i) => {
        const labels = { zone: `z${random(zones)}` };
        const kind = random(6);
        if (kind === 0)
          return node({ name: `n${i}`, labels, progress: { phase: 'rebooting', since: ago(10), reason: '', startedAt: ago(20) } });
        return node({ name: `n${i}`, labels, request: { at: ago(100 + random(50)), kind: 'alert' } });
      });
      const input = {
        nodes,
        lock: { holders: [] },
        settings: { concurrency: random(4), ttlMs: 0 },
        topology: { ...NO_TOPOLOGY, zoneLabel: 'zone', maxUnavailablePerZone: random(3), zoneByZone: random(3) === 0 },
        held: undefined,
        verdict: (name: string) =>
          name.endsWith('7') ? { open: false as const, gate: 'alerts', reason: 'firing' } : { open: true as const },
        now: NOW,
      };
      assert.deepEqual(
        forecast(input).waves,
        referenceWaves(input),
        `trial ${trial}: ${JSON.stringify(input.settings)} ${JSON.stringify(input.topology)}`,
      );
    }
  });
});
