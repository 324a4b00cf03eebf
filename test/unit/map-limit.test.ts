// The one bounded-concurrency helper (src/map-limit.ts): the cap holds and is used, results keep
// the items' order, items are pulled only when a call is free, and a false answer (everyLimit) or a
// rejection starts no further call. Calls are settled by hand (deferred promises), never by time.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { everyLimit, mapLimit } from '../../src/map-limit.ts';

interface Pending<T> {
  readonly item: number;
  resolve(value: T): void;
  reject(error: Error): void;
}

/** Lets queued continuations run (workers pick their next item). */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A call whose answers the test gives, recording which items started and how many ran at once. */
function controlled<T>() {
  const pending: Array<Pending<T>> = [];
  const started: number[] = [];
  let running = 0;
  let most = 0;
  const call = (item: number) => {
    started.push(item);
    running++;
    most = Math.max(most, running);
    return new Promise<T>((resolve, reject) => pending.push({ item, resolve, reject })).finally(() => running--);
  };
  return { call, pending, started, most: () => most };
}

describe('mapLimit', () => {
  it('keeps at most `limit` calls in flight, uses all of them, and returns results in the items’ order', async () => {
    const c = controlled<string>();
    const done = mapLimit([0, 1, 2, 3, 4, 5, 6], 3, c.call);
    await tick();
    assert.deepEqual(c.started, [0, 1, 2]);
    // Answer out of order: the second call first, then the rest as they come.
    c.pending[1]!.resolve('r1');
    await tick();
    assert.deepEqual(c.started, [0, 1, 2, 3]);
    for (let i = 0; i < 7; i++) {
      const next = c.pending.find((p) => p.item === i);
      if (i !== 1) next?.resolve(`r${i}`);
      await tick();
    }
    assert.deepEqual(await done, ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
    assert.equal(c.most(), 3);
  });

  it('passes each item’s index and handles fewer items than the limit, and none', async () => {
    assert.deepEqual(await mapLimit(['a', 'b'], 8, (item, index) => Promise.resolve(`${item}${index}`)), ['a0', 'b1']);
    assert.deepEqual(await mapLimit([], 4, () => Promise.resolve(1)), []);
  });

  it('pulls items from an iterable only when a call is free', async () => {
    let pulled = 0;
    function* items() {
      for (let i = 0; i < 100; i++) {
        pulled++;
        yield i;
      }
    }
    const c = controlled<number>();
    const done = mapLimit(items(), 2, c.call);
    await tick();
    assert.equal(pulled, 2);
    for (let i = 0; i < 100; i++) {
      c.pending[i]!.resolve(i);
      await tick();
      assert.ok(pulled <= i + 3, `pulled ${pulled} items with ${i + 1} answered`);
    }
    assert.equal((await done).length, 100);
  });

  it('rejects with the first error and starts no further call', async () => {
    const c = controlled<number>();
    const done = mapLimit([0, 1, 2, 3, 4], 2, c.call);
    await tick();
    c.pending[0]!.reject(new Error('boom'));
    await assert.rejects(done, /boom/);
    c.pending[1]!.resolve(1);
    await tick();
    assert.deepEqual(c.started, [0, 1]);
  });

  it('refuses a limit that is not a positive integer', async () => {
    await assert.rejects(
      mapLimit([1], 0, () => Promise.resolve(1)),
      /limit must be a positive integer, got 0/,
    );
    await assert.rejects(
      mapLimit([1], 1.5, () => Promise.resolve(1)),
      /got 1.5/,
    );
  });
});

describe('everyLimit', () => {
  it('is true when every call says true', async () => {
    assert.equal(await everyLimit([1, 2, 3, 4], 2, () => Promise.resolve(true)), true);
    assert.equal(await everyLimit([], 2, () => Promise.resolve(false)), true);
  });

  it('is false once a call says false, and starts no further call (those in flight finish)', async () => {
    const c = controlled<boolean>();
    const done = everyLimit([0, 1, 2, 3, 4, 5], 2, c.call);
    await tick();
    c.pending[0]!.resolve(false);
    await tick();
    c.pending[1]!.resolve(true);
    assert.equal(await done, false);
    assert.deepEqual(c.started, [0, 1]);
  });
});
