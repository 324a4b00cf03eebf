// The overlay of this process's own Node writes over a watch that lags. An answered write replaces
// the version it started from for certain, so the view's copy at that version (or at one an earlier
// write of the chain replaced) is stale however long the watch takes; found by the simulation (seed
// 85796: the Node watch 19 s behind, the lock DaemonSet re-created, a cordoned node seen as
// schedulable and a third node started at --concurrency=2). A write whose answer was lost may never
// have landed, so it is trusted 10 s at most.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { createOwnWrites, PENDING_WRITE_TIMEOUT_MS } from '../../../src/controller/cluster/own-writes.ts';

const at = (resourceVersion: string, unschedulable = false): V1Node => ({
  metadata: { name: 'n1', resourceVersion },
  spec: { unschedulable },
});

describe('own writes over a lagging watch', () => {
  it('keeps an answered write over the copy it replaced, however long the watch lags', () => {
    let now = 0;
    const writes = createOwnWrites(() => new Date(now));
    const cordoned = at('8', true);
    writes.wrote('n1', '7', cordoned);
    now += 60_000;
    assert.equal(writes.newest(at('7')), cordoned, 'the view still at the version the cordon replaced');
    assert.equal(writes.nextExpiry(new Date(now)), Infinity, 'no timer for an answered write');
  });

  it('keeps the last of a chain of writes over any version the chain replaced', () => {
    let now = 0;
    const writes = createOwnWrites(() => new Date(now));
    writes.wrote('n1', '7', at('8', true));
    const hooks = at('9', true);
    writes.wrote('n1', '8', hooks);
    now += 1_000;
    assert.equal(writes.newest(at('7')), hooks, 'the view two writes behind');
    assert.equal(writes.newest(at('8', true)), hooks, 'the view one write behind');
  });

  it('gives the view once it shows any other version (the write itself, or a newer one)', () => {
    const writes = createOwnWrites(() => new Date(0));
    writes.wrote('n1', '7', at('8', true));
    const newer = at('12', false);
    assert.equal(writes.newest(newer), newer);
    assert.equal(writes.newest(at('7')).metadata?.resourceVersion, '7', 'forgotten once the watch moved on');
  });

  it('trusts a write whose answer was lost for 10 s only', () => {
    let now = 0;
    const writes = createOwnWrites(() => new Date(now));
    const presumed = at('7', true);
    writes.wrote('n1', '7', presumed, true);
    assert.equal(writes.newest(at('7')), presumed);
    assert.equal(writes.nextExpiry(new Date(now)), PENDING_WRITE_TIMEOUT_MS + 1);
    now += PENDING_WRITE_TIMEOUT_MS + 1;
    assert.equal(writes.newest(at('7')).spec?.unschedulable, false);
  });
});
