// From 1,000 nodes, a cycle woken by a change starts no sooner than 100 ms after the previous one
// started (issue 25): each cycle reads every node, and a patch night's thousands of changes made
// as many cycles, which took the event loop from the webhooks. The wakes meanwhile are one cycle,
// on the loop's one timer; a smaller cluster is not paced.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { reconcilerOver } from '../../harness/reconciler-over.ts';
import { NOW } from './fixtures.ts';

function cluster(count: number) {
  const nodes: V1Node[] = Array.from({ length: count }, (_, i) => ({ metadata: { name: `n-${i}`, resourceVersion: '1' } }));
  let now = NOW.getTime();
  let cycles = 0;
  const timers: Array<{ at: number; run: () => void }> = [];
  const reconciler = reconcilerOver(() => nodes, {
    clock: () => new Date(now),
    metrics: { cycles: { inc: () => cycles++ }, cycleDuration: { startTimer: () => () => 0 }, cycleCompute: { observe() {} } } as never,
    timers: {
      setTimeout: (run, ms) => {
        const timer = { at: now + ms, run };
        timers.push(timer);
        return timer;
      },
      clearTimeout: (handle) => void timers.splice(timers.indexOf(handle as (typeof timers)[number]), 1),
    },
  });
  return {
    reconciler,
    cycles: () => cycles,
    timers,
    advance: (ms: number) => (now += ms),
  };
}

test('from 1,000 nodes, the wakes within 100 ms of a cycle are one cycle, 100 ms after it', async () => {
  const c = cluster(1000);
  c.reconciler.setActive(true);
  await c.reconciler.idle();
  assert.equal(c.cycles(), 1);
  c.advance(10);
  for (let i = 0; i < 50; i++) c.reconciler.wake(`node n-${i}`);
  await c.reconciler.idle();
  assert.equal(c.cycles(), 1, 'no cycle yet: the wakes wait for the pace');
  assert.deepEqual(
    c.timers.map((timer) => timer.at - NOW.getTime()),
    [100],
    'one timer, 100 ms after the last cycle started',
  );
  c.advance(90);
  c.timers.splice(0).forEach((timer) => timer.run());
  await c.reconciler.idle();
  assert.equal(c.cycles(), 2, 'the 50 wakes made one cycle');
  // Long enough after the last cycle, a wake runs one at once.
  c.advance(500);
  c.reconciler.wake('node n-1');
  await c.reconciler.idle();
  assert.equal(c.cycles(), 3);
  c.reconciler.stop();
});

test('below 1,000 nodes every wake runs a cycle at once', async () => {
  const c = cluster(999);
  c.reconciler.setActive(true);
  await c.reconciler.idle();
  c.advance(10);
  c.reconciler.wake('node n-1');
  await c.reconciler.idle();
  assert.equal(c.cycles(), 2);
  assert.deepEqual(c.timers, []);
  c.reconciler.stop();
});
