// kured's lock record and the concurrency slots built on it: kured's shapes read and written,
// foreign holders recognised as a pause, the TTL judged with the current flag value.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isExpired, parseLock, serializeLock, type LockHolder } from '../../../src/store/lock-record.ts';
import { acquire, foreignHolders, release } from '../../../src/controller/lock/slots.ts';
import { NOW, ago } from './fixtures.ts';

const settings = { concurrency: 2, ttlMs: 0 };

describe('lock record', () => {
  it("reads kured's single-holder lock and its manual pause", () => {
    const kured = parseLock('{"nodeID":"n1","metadata":{"unschedulable":false},"created":"2026-11-26T10:00:00Z","TTL":0}');
    assert.deepEqual(kured?.holders, [{ nodeID: 'n1', created: '2026-11-26T10:00:00Z', unschedulable: false, ours: false }]);
    const manual = parseLock('{"nodeID":"manual"}');
    assert.equal(manual?.holders[0]?.nodeID, 'manual');
    assert.equal(manual?.holders[0]?.ours, false);
  });

  it("reads kured's multi-lock", () => {
    const lock = parseLock(
      '{"maxOwners":2,"locks":[{"nodeID":"a","created":"2026-11-26T10:00:00Z"},{"nodeID":"b","metadata":{"unschedulable":true,"holder":"kreboot"}}]}',
    );
    assert.deepEqual(
      lock?.holders.map((holder) => [holder.nodeID, holder.ours, holder.unschedulable]),
      [
        ['a', false, false],
        ['b', true, true],
      ],
    );
  });

  it('treats an absent or released annotation as free and an unreadable one as unknown', () => {
    assert.deepEqual(parseLock(undefined), { holders: [] });
    assert.deepEqual(parseLock('{"nodeID":""}'), { holders: [] });
    assert.equal(parseLock('{not json'), undefined);
    assert.equal(parseLock('{"locks":[{"nope":1}]}'), undefined);
  });

  it("writes kured's single shape with concurrency 1 and the multi-lock above", () => {
    const holder = { nodeID: 'n1', created: NOW.toISOString(), unschedulable: false, ours: true };
    const single = JSON.parse(serializeLock({ holders: [holder] }, 1, 60_000)!);
    assert.equal(single.nodeID, 'n1');
    assert.equal(single.TTL, 60_000 * 1e6);
    const multi = JSON.parse(serializeLock({ holders: [holder] }, 3, 0)!);
    assert.equal(multi.maxOwners, 3);
    assert.equal(multi.locks.length, 1);
    assert.equal(serializeLock({ holders: [] }, 1, 0), null);
    // Round trip keeps ownership.
    assert.equal(parseLock(serializeLock({ holders: [holder] }, 1, 0)!)?.holders[0]?.ours, true);
  });

  it('expires with the current TTL, not the one stored at acquisition (kured #822)', () => {
    const holder = { nodeID: 'n1', created: ago(3600), unschedulable: false, ours: true };
    assert.equal(isExpired(holder, 0, NOW), false);
    assert.equal(isExpired(holder, 30 * 60_000, NOW), true);
    assert.equal(isExpired(holder, 2 * 3600_000, NOW), false);
    assert.equal(isExpired({ nodeID: 'manual', unschedulable: false, ours: false }, 1000, NOW), false);
  });
});

describe('slots', () => {
  it('acquires up to the concurrency and no further', () => {
    let lock: readonly LockHolder[] = [];
    for (const name of ['a', 'b']) {
      const result = acquire({ holders: lock }, { node: name, unschedulable: false }, settings, NOW);
      assert.equal(result.acquired, true);
      lock = parseLock(result.acquired ? (result.value ?? undefined) : undefined)!.holders;
    }
    const third = acquire({ holders: lock }, { node: 'c', unschedulable: false }, settings, NOW);
    assert.equal(third.acquired, false);
    assert.match(third.acquired ? '' : third.reason, /waiting for a free slot/);
    // Acquiring again for a holder is idempotent (a restart between lock and cordon).
    assert.equal(acquire({ holders: lock }, { node: 'a', unschedulable: false }, settings, NOW).acquired, true);
  });

  it('a foreign holder blocks every acquisition (manual pause)', () => {
    const lock = parseLock('{"nodeID":"manual"}')!;
    const result = acquire(lock, { node: 'a', unschedulable: false }, { concurrency: 5, ttlMs: 0 }, NOW);
    assert.equal(result.acquired, false);
    assert.match(result.acquired ? '' : result.reason, /manual/);
    assert.equal(foreignHolders(lock, settings, NOW).length, 1);
  });

  it('releases our holder, expired holders and holders of deleted nodes, but keeps a hand-written pause', () => {
    const lock = parseLock(
      JSON.stringify({
        maxOwners: 3,
        locks: [
          { nodeID: 'a', created: ago(10), metadata: { holder: 'kreboot' } },
          { nodeID: 'gone', created: ago(10), metadata: { holder: 'kreboot' } },
          { nodeID: 'manual' },
        ],
      }),
    )!;
    const exists = (name: string) => name !== 'gone';
    const value = release(lock, new Set(['a']), exists, { concurrency: 3, ttlMs: 0 }, NOW);
    assert.deepEqual(
      parseLock(value ?? undefined)?.holders.map((holder) => holder.nodeID),
      ['manual'],
    );
    assert.equal(release(parseLock('{"nodeID":"manual"}')!, new Set(), exists, settings, NOW), undefined);
  });
});

describe('slots across rounds and replicas (found by the simulation)', () => {
  const held = (nodeID: string, created: string): LockHolder => ({ nodeID, created, unschedulable: false, ours: true });
  const holders = (value: string | null | undefined) =>
    value ? parseLock(value)?.holders.map((holder) => [holder.nodeID, holder.created]) : [];

  it("a release of a node's finished round keeps a holder taken for its new start", () => {
    const lock = { holders: [held('n2', ago(5))] };
    assert.equal(
      release(lock, new Set(['n2']), () => true, settings, NOW, undefined, ago(90)),
      undefined,
      'the new start keeps its slot',
    );
    assert.deepEqual(holders(release(lock, new Set(['n2']), () => true, settings, NOW, undefined, ago(5))), []);
  });

  it("a new start replaces the holder of the node's finished round instead of reusing it", () => {
    const result = acquire(
      { holders: [held('n2', ago(90))] },
      { node: 'n2', unschedulable: false, finishedRoundStartedAt: ago(90) },
      settings,
      NOW,
    );
    assert.equal(result.acquired, true);
    assert.deepEqual(holders(result.acquired ? result.value : undefined), [['n2', NOW.toISOString()]]);
  });

  it('a node out of service counts against the concurrency even with no holder; a reclaim is dated by its round', () => {
    const refused = acquire({ holders: [held('a', ago(5))] }, { node: 'c', unschedulable: false, pinned: new Set(['b']) }, settings, NOW);
    assert.equal(refused.acquired, false);
    const reclaimed = acquire(
      { holders: [] },
      { node: 'b', unschedulable: true, pinned: new Set(['b']), reclaim: true, roundStartedAt: ago(300) },
      settings,
      NOW,
    );
    assert.deepEqual(holders(reclaimed.acquired ? reclaimed.value : undefined), [['b', ago(300)]]);
  });
});
