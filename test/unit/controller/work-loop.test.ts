// The generic work loop on fake timers: wakes during a pass coalesce into one more pass, passes
// never overlap, the earliest requeue wins, and a failing pass is retried with a growing back-off.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { createWorkLoop, type Timers } from '../../../src/controller/work-loop.ts';

function fakeTimers() {
  const pending = new Map<number, { ms: number; callback: () => void }>();
  let next = 0;
  const timers: Timers = {
    setTimeout(callback, ms) {
      pending.set(++next, { ms, callback });
      return next;
    },
    clearTimeout: (handle) => void pending.delete(handle as number),
  };
  return {
    timers,
    delays: () => [...pending.values()].map((entry) => entry.ms),
    fireAll() {
      const due = [...pending.values()];
      pending.clear();
      for (const entry of due) entry.callback();
    },
  };
}

const log = pino({ level: 'silent' });
const clock = () => new Date(0);

describe('work loop', () => {
  it('coalesces wakes during a pass into exactly one more pass, never two at once', async () => {
    const fake = fakeTimers();
    let running = 0;
    let maxRunning = 0;
    let passes = 0;
    let release: () => void = () => {};
    const loop = createWorkLoop({
      clock,
      timers: fake.timers,
      log,
      pass: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        passes++;
        if (passes === 1) await new Promise<void>((resolve) => (release = resolve));
        running--;
        return undefined;
      },
    });
    loop.wake('first');
    for (let i = 0; i < 5; i++) loop.wake(`during ${i}`);
    release();
    await loop.idle();
    assert.equal(passes, 2);
    assert.equal(maxRunning, 1);
  });

  it('keeps one timer, for the earliest requested time', async () => {
    const fake = fakeTimers();
    const loop = createWorkLoop({ clock, timers: fake.timers, log, pass: async () => undefined });
    loop.requeueAt(5000);
    loop.requeueAt(9000);
    loop.requeueAt(2000);
    assert.deepEqual(fake.delays(), [2000]);
    loop.stop();
    assert.deepEqual(fake.delays(), []);
  });

  it('retries a failing pass with a doubling back-off, reset by a success', async () => {
    const fake = fakeTimers();
    let failures = 3;
    const loop = createWorkLoop({
      clock,
      timers: fake.timers,
      log,
      initialBackoffMs: 100,
      pass: async () => {
        if (failures-- > 0) throw new Error('API down');
        return undefined;
      },
    });
    const seen: number[][] = [];
    loop.wake('start');
    for (let i = 0; i < 4; i++) {
      await loop.idle();
      seen.push(fake.delays());
      fake.fireAll();
    }
    assert.deepEqual(seen, [[100], [200], [400], []]);
  });
});
