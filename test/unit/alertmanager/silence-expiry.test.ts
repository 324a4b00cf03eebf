// The expiry of a node's silences beside the decision cycle (issue 26): one attempt at a time, a
// failed one retried after a growing backoff given back as a requeue time, bounded (then the record
// is dropped with the reason), and a new reboot's cancel keeps an attempt under way from touching
// the record. Narrow fakes for the silencer and the record; the real Alertmanager and controller
// are in test/integration/controller/quiet-maintenance.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type { NodeSilencer } from '../../../src/alertmanager/node-silencer.ts';
import { createSilenceExpiry, MAX_EXPIRY_ATTEMPTS } from '../../../src/alertmanager/silence-expiry.ts';

function world(options: { failures: number; gate?: Promise<void> }) {
  let now = 1_000_000;
  let calls = 0;
  const forgotten: Array<{ node: string; ids: readonly string[]; gaveUp?: string }> = [];
  const silencer: NodeSilencer = {
    silence: () => Promise.reject(new Error('not used')),
    async expire() {
      calls++;
      await options.gate;
      if (calls <= options.failures) throw new Error('Alertmanager http://am/ unreachable: connect ECONNREFUSED');
    },
  };
  const expiry = createSilenceExpiry({
    silencer,
    forget: async (node, ids, gaveUp) => void forgotten.push({ node, ids, ...(gaveUp ? { gaveUp } : {}) }),
    wake: () => {},
    clock: () => new Date(now),
    log: pino({ level: 'silent' }),
  });
  return { expiry, forgotten, calls: () => calls, advance: (ms: number) => (now += ms), now: () => now };
}

test('a successful attempt forgets the IDs; nothing is retried', async () => {
  const w = world({ failures: 0 });
  assert.equal(w.expiry.step('n1', ['s1', 's2']), undefined);
  await w.expiry.settled();
  assert.deepEqual(w.forgotten, [{ node: 'n1', ids: ['s1', 's2'] }]);
});

test('failures are retried after a growing backoff, returned as the time to come back; an attempt is never doubled', async () => {
  const w = world({ failures: 3 });
  const delays: number[] = [];
  w.expiry.step('n1', ['s1']);
  assert.equal(w.expiry.step('n1', ['s1']), undefined, 'while one runs, no second attempt');
  await w.expiry.settled();
  for (let i = 0; i < 3; i++) {
    const at = w.expiry.step('n1', ['s1'])!;
    assert.ok(at instanceof Date, 'not due yet: when to come back');
    delays.push(at.getTime() - w.now());
    w.advance(at.getTime() - w.now());
    assert.equal(w.expiry.step('n1', ['s1']), undefined);
    await w.expiry.settled();
  }
  assert.deepEqual(delays, [5000, 10_000, 20_000]);
  assert.equal(w.calls(), 4);
  assert.deepEqual(w.forgotten, [{ node: 'n1', ids: ['s1'] }]);
});

test(`after ${MAX_EXPIRY_ATTEMPTS} failed attempts the record is dropped with the reason (the silences end at their bound)`, async () => {
  const w = world({ failures: Infinity });
  // The node's record as the cycle sees it: forgetting the IDs removes them.
  const record = () => (w.forgotten.length > 0 ? [] : ['s1']);
  for (let i = 0; i < MAX_EXPIRY_ATTEMPTS + 5; i++) {
    const at = w.expiry.step('n1', record());
    if (at) w.advance(at.getTime() - w.now());
    w.expiry.step('n1', record());
    await w.expiry.settled();
  }
  assert.equal(w.calls(), MAX_EXPIRY_ATTEMPTS);
  assert.equal(w.forgotten.length, 1);
  assert.match(w.forgotten[0]!.gaveUp ?? '', /unreachable/);
});

test('cancel (a new reboot) waits for the attempt under way and keeps it from touching the record', async () => {
  let open!: () => void;
  const w = world({ failures: 0, gate: new Promise<void>((resolve) => (open = resolve)) });
  w.expiry.step('n1', ['s1']);
  const cancelled = w.expiry.cancel('n1');
  let done = false;
  void cancelled.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(done, false, 'cancel waits for the attempt');
  open();
  await cancelled;
  assert.deepEqual(w.forgotten, []);
});

test('no recorded IDs: nothing to do', () => {
  const w = world({ failures: 0 });
  assert.equal(w.expiry.step('n1', []), undefined);
  assert.equal(w.calls(), 0);
});
