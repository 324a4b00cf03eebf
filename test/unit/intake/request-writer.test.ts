// The webhook's request writer: writes shared by all webhooks, started in passes, a bounded number
// in flight, first come first served; a small webhook answered only once its own writes are done
// ("200 means recorded"), a large one within its budget with what is not yet written listed as queued.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { createRequestWriter, NotRecordedInTime } from '../../../src/intake/request-writer.ts';
import type { PlannedAction } from '../../../src/intake/plan-alerts.ts';
import type { RequestSink } from '../../../src/intake/request-sink.ts';

const log = pino({ level: 'silent' });
const request = (node: string): PlannedAction => ({ node, action: 'request', kind: 'alert', alertname: 'RebootRequired' });

/** A sink whose writes finish only when the test says so, recording the order they started in. */
function heldSink() {
  const started: string[] = [];
  const release = new Map<string, (result: 'accepted' | 'unknown-node') => void>();
  let inFlight = 0;
  let maxInFlight = 0;
  const sink: RequestSink = {
    request(node) {
      started.push(node);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise((resolve) =>
        release.set(node, (result) => {
          inFlight--;
          resolve(result);
        }),
      );
    },
    withdraw: async () => 'not-pending',
  };
  const waitStarted = async (node: string) => {
    for (let i = 0; i < 1000 && !release.has(node); i++) await new Promise((resolve) => setImmediate(resolve));
    assert.ok(release.has(node), `${node} started`);
  };
  return { sink, started, release, waitStarted, maxInFlight: () => maxInFlight };
}

test('writes that finish within the budget: the answer says accepted, nothing queued', async () => {
  const held = heldSink();
  const writer = createRequestWriter({ sink: held.sink, log, answerWithinMs: 60_000 });
  const answer = writer.apply({ actions: [request('a'), request('b')], ignored: [] });
  await held.waitStarted('b');
  held.release.get('b')!('accepted');
  held.release.get('a')!('unknown-node');
  const summary = await answer;
  assert.deepEqual(summary.accepted, ['b']);
  assert.equal(summary.ignored.length, 1);
  assert.equal(summary.ignored[0]!.node, 'a');
  assert.equal(summary.queued, undefined);
  assert.equal(writer.backlog(), 0);
});

test('a large webhook with writes still running at the budget: answered with them queued; they finish afterwards', async () => {
  const held = heldSink();
  const late: string[] = [];
  const writer = createRequestWriter({
    sink: held.sink,
    log,
    answerWithinMs: 20,
    recordedUpTo: 0,
    parallel: 2,
    onLateOutcome: (list) => late.push(list),
  });
  const nodes = ['n1', 'n2', 'n3', 'n4', 'n5'];
  const answer = writer.apply({ actions: nodes.map(request), ignored: [] });
  await held.waitStarted('n1');
  held.release.get('n1')!('accepted');
  const summary = await answer;
  assert.deepEqual(summary.accepted, ['n1']);
  assert.deepEqual(summary.queued, ['n2', 'n3', 'n4', 'n5']);
  assert.equal(writer.backlog(), 4);
  // The queued writes go on after the answer, never more than `parallel` at once, in order.
  for (const node of nodes.slice(1)) {
    await held.waitStarted(node);
    held.release.get(node)!('accepted');
  }
  for (let i = 0; i < 1000 && writer.backlog() > 0; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(writer.backlog(), 0);
  assert.deepEqual(held.started, nodes);
  assert.equal(held.maxInFlight(), 2);
  assert.deepEqual(late, ['accepted', 'accepted', 'accepted', 'accepted']);
});

test("one queue for every webhook: a second webhook's writes wait behind the first's", async () => {
  const held = heldSink();
  const writer = createRequestWriter({ sink: held.sink, log, answerWithinMs: 60_000, parallel: 1 });
  const first = writer.apply({ actions: [request('a1'), request('a2')], ignored: [] });
  const second = writer.apply({ actions: [request('b1')], ignored: [] });
  for (const node of ['a1', 'a2', 'b1']) {
    await held.waitStarted(node);
    held.release.get(node)!('accepted');
  }
  assert.deepEqual((await first).accepted, ['a1', 'a2']);
  assert.deepEqual((await second).accepted, ['b1']);
  assert.deepEqual(held.started, ['a1', 'a2', 'b1']);
});

test('an API error before the answer propagates (the webhook answers 503)', async () => {
  const sink: RequestSink = {
    request: async () => {
      throw new Error('API server unavailable');
    },
    withdraw: async () => 'not-pending',
  };
  const writer = createRequestWriter({ sink, log, answerWithinMs: 60_000 });
  await assert.rejects(writer.apply({ actions: [request('a')], ignored: [] }), /API server unavailable/);
  assert.equal(writer.backlog(), 0);
});

test('a write already queued for a node takes a repeat of it: Alertmanager re-sends grow no backlog (issue 26, item 11)', async () => {
  const held = heldSink();
  const writer = createRequestWriter({ sink: held.sink, log, answerWithinMs: 10, recordedUpTo: 0, parallel: 1 });
  const nodes = ['n1', 'n2', 'n3'];
  const first = writer.apply({ actions: nodes.map(request), ignored: [] });
  await held.waitStarted('n1');
  await first;
  assert.equal(writer.backlog(), 3);
  // The same alerts again (repeat_interval, several routes): n2 and n3 are still queued, n1 is in flight.
  assert.equal(writer.newWrites(nodes.map(request)), 1);
  const again = await writer.apply({ actions: nodes.map(request), ignored: [] });
  assert.deepEqual(again.queued, nodes);
  assert.equal(writer.backlog(), 4, 'only n1 (already being written) is queued again');
  for (const node of ['n1', 'n2', 'n3', 'n1']) {
    await held.waitStarted(node);
    held.release.get(node)!('accepted');
    held.release.delete(node);
  }
  for (let i = 0; i < 1000 && writer.backlog() > 0; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(writer.backlog(), 0);
  assert.deepEqual(held.started, ['n1', 'n2', 'n3', 'n1']);
});

test('a different write for a queued node is queued after it: the order of intents is kept', async () => {
  const held = heldSink();
  const writer = createRequestWriter({ sink: held.sink, log, answerWithinMs: 10, recordedUpTo: 0, parallel: 1 });
  await writer.apply({ actions: [request('busy'), request('n1')], ignored: [] });
  const withdraw: PlannedAction = { node: 'n1', action: 'withdraw', kind: 'alert', alertname: 'RebootRequired' };
  assert.equal(writer.newWrites([withdraw]), 1);
  await writer.apply({ actions: [withdraw], ignored: [] });
  // A request after the withdrawal is a third intent, not merged into the first request.
  assert.equal(writer.newWrites([request('n1')]), 1);
  assert.equal(writer.backlog(), 3);
});

test('one-node webhooks that arrive together are written in one pass; each is answered once its own node is written', async () => {
  const held = heldSink();
  const writer = createRequestWriter({ sink: held.sink, log, parallel: 32 });
  const nodes = ['n1', 'n2', 'n3'];
  const answers = nodes.map((node) => writer.apply({ actions: [request(node)], ignored: [] }));
  const answered = nodes.map(() => false);
  answers.forEach((answer, i) => void answer.then(() => (answered[i] = true)));
  // All three writes start in the same pass, before any of them finished.
  for (const node of nodes) await held.waitStarted(node);
  assert.deepEqual(held.started, nodes);
  assert.equal(held.maxInFlight(), 3);
  // n2's write finishes first: its webhook is answered, the others still wait for theirs.
  held.release.get('n2')!('accepted');
  assert.deepEqual((await answers[1]!).accepted, ['n2']);
  assert.deepEqual(answered, [false, true, false], 'a webhook waits for its own node only');
  held.release.get('n1')!('accepted');
  held.release.get('n3')!('accepted');
  const [first, , third] = await Promise.all(answers);
  assert.deepEqual(first!.accepted, ['n1']);
  assert.deepEqual(third!.accepted, ['n3']);
  for (const summary of [first!, third!]) assert.equal(summary.queued, undefined, 'a small webhook is never answered before its write');
});

test('a failed write fails its own webhook only (503); the other webhooks of the pass are answered 200', async () => {
  const sink: RequestSink = {
    request: async (node) => {
      await new Promise((resolve) => setImmediate(resolve));
      if (node === 'bad') throw new Error('API server: 500');
      return 'accepted';
    },
    withdraw: async () => 'not-pending',
  };
  const writer = createRequestWriter({ sink, log });
  const good = writer.apply({ actions: [request('good')], ignored: [] });
  const bad = writer.apply({ actions: [request('bad')], ignored: [] });
  await assert.rejects(bad, /API server: 500/);
  assert.deepEqual((await good).accepted, ['good']);
  assert.equal(writer.backlog(), 0);
});

test('a small webhook whose write is not done within recordWithinMs is refused (503, retried); the write goes on', async () => {
  const held = heldSink();
  const late: string[] = [];
  const writer = createRequestWriter({ sink: held.sink, log, recordWithinMs: 20, onLateOutcome: (list) => late.push(list) });
  const answer = writer.apply({ actions: [request('slow')], ignored: [] });
  await assert.rejects(answer, (error: unknown) => error instanceof NotRecordedInTime && /still being written/.test(error.message));
  assert.equal(writer.backlog(), 1, 'the write is still in flight');
  held.release.get('slow')!('accepted');
  for (let i = 0; i < 1000 && writer.backlog() > 0; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(writer.backlog(), 0);
  assert.deepEqual(late, ['accepted']);
});

test('no more than `parallel` writes in flight across webhooks; a pass takes the room left', async () => {
  const held = heldSink();
  const writer = createRequestWriter({ sink: held.sink, log, parallel: 2 });
  const answers = ['a', 'b', 'c'].map((node) => writer.apply({ actions: [request(node)], ignored: [] }));
  await held.waitStarted('b');
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(held.started, ['a', 'b'], 'c waits for room');
  held.release.get('a')!('accepted');
  await held.waitStarted('c');
  held.release.get('b')!('accepted');
  held.release.get('c')!('accepted');
  assert.deepEqual(
    (await Promise.all(answers)).map((summary) => summary.accepted),
    [['a'], ['b'], ['c']],
  );
  assert.equal(held.maxInFlight(), 2);
});
