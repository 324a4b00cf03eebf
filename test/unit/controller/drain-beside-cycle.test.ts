// The drain step runs beside the decision cycle: the `drain` action starts a pass and returns at
// once; the pass's end wakes the loop; its outcome is the fact of the node's next cycle, used once
// and only for the round it drained; passes on one node are paced.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDrainRuns } from '../../../src/controller/steps/drain-runs.ts';
import type { Drainer } from '../../../src/controller/steps/drain.ts';

type DrainPass = Awaited<ReturnType<Drainer['pass']>>;
import type { ObservedNode } from '../../../src/controller/policy/observed-node.ts';
import { NOW, ago, node } from './fixtures.ts';

/** Drain runs whose drain passes end when the test says, or as `pass` decides. */
function setup(pass?: Drainer['pass']) {
  let now = NOW.getTime();
  const wakes: string[] = [];
  const finish: ((pass: DrainPass) => void)[] = [];
  const runs = createDrainRuns({
    drainer: { pass: pass ?? (() => new Promise<DrainPass>((resolve) => finish.push(resolve))) },
    wake: (reason) => wakes.push(reason),
    clock: () => new Date(now),
  });
  const draining = (startedAt: string): ObservedNode =>
    node({ progress: { phase: 'draining', since: startedAt, reason: 'waiting', startedAt } });
  const drain = async (observed: ObservedNode) => runs.step(observed, new Date(now));
  const settle = () => new Promise((resolve) => setImmediate(resolve));
  return { runs, wakes, finish, draining, drain, settle, advance: (ms: number) => (now += ms) };
}

test('a pass starts and the step returns at once; its end wakes the loop; the next cycle gets its outcome once', async () => {
  const t = setup();
  const round = t.draining(ago(30));
  assert.deepEqual(await t.drain(round), {}, 'no fact while the pass runs');
  assert.equal(t.finish.length, 1);
  const again = await t.drain(round);
  assert.equal(again.fact, undefined, 'a running pass is not started twice');
  assert.equal(t.finish.length, 1);
  t.finish[0]!({ done: true, evicted: 3, blockedByBudget: [], reason: 'drained' });
  await t.settle();
  assert.deepEqual(t.wakes, ['drain pass of n1 finished']);
  assert.deepEqual((await t.drain(round)).fact, { type: 'drained' });
  // Used once: asked again within a second, the node waits for the pace, with a requeue.
  const paced = await t.drain(round);
  assert.equal(paced.fact, undefined);
  assert.ok(paced.requeueAt, 'a requeue when the next pass may start');
  assert.equal(t.finish.length, 1);
  t.advance(1000);
  await t.drain(round);
  assert.equal(t.finish.length, 2, 'a new pass a second after the last ended');
  t.finish[1]!({
    done: false,
    evicted: 0,
    blockedByBudget: ['apps/web-1'],
    reason: 'eviction blocked by a PodDisruptionBudget: apps/web-1',
  });
  await t.runs.settled();
});

test('an outcome is never carried into another round of the node', async () => {
  const t = setup();
  await t.drain(t.draining(ago(300)));
  t.finish[0]!({ done: true, evicted: 1, blockedByBudget: [], reason: 'drained' });
  await t.settle();
  // The node failed and started again: a new round. The old "drained" must not send it to reboot.
  const newRound = t.draining(ago(5));
  const outcome = await t.drain(newRound);
  assert.equal(outcome.fact, undefined);
  assert.equal(t.finish.length, 2, 'the new round drains again');
  t.finish[1]!({ done: true, evicted: 0, blockedByBudget: [], reason: 'drained' });
  await t.runs.settled();
});

test('a pass that fails reports a drain error to retry, never "drained"', async () => {
  const t = setup(() => Promise.reject(new Error('the API server is down')));
  const round = t.draining(ago(30));
  await t.drain(round);
  await t.runs.settled();
  const outcome = await t.drain(round);
  assert.equal(outcome.fact?.type, 'drain-waiting');
  assert.match(outcome.fact?.type === 'drain-waiting' ? outcome.fact.reason : '', /drain error, retrying: the API server is down/);
});

test('a stale pass (the node changed under its first write) hands the policy nothing; the next pass starts after the pace', async () => {
  const t = setup();
  const round = t.draining(ago(30));
  await t.drain(round);
  t.finish[0]!({ done: false, evicted: 0, blockedByBudget: [], reason: 'the node changed before the drain began', stale: true });
  await t.settle();
  const paced = await t.drain(round);
  assert.equal(paced.fact, undefined, 'no fact: the pass learnt nothing');
  assert.ok(paced.requeueAt, 'a requeue for the next pass');
  assert.equal(t.finish.length, 1);
  t.advance(1000);
  await t.drain(round);
  assert.equal(t.finish.length, 2, 'a new pass reads the node afresh');
  t.finish[1]!({ done: true, evicted: 0, blockedByBudget: [], reason: 'drained' });
  await t.settle();
  assert.deepEqual((await t.drain(round)).fact, { type: 'drained' });
  await t.runs.settled();
});
