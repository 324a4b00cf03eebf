// A write whose answer was lost is trusted for 10 s, and the cycle comes back when that trust
// ends. Found by the simulation (a Node deleted right after kreboot wrote it, before the watch
// showed the write): the entry was dropped only when the node was seen again, so for a deleted Node
// it stayed, its end stayed in the past, and every cycle asked for the next one at once — the
// controller spun through cycles for ever. An answered write has no such end to come back for.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { createOwnWrites } from '../../../src/controller/cluster/own-writes.ts';
import { reconcilerOver } from '../../harness/reconciler-over.ts';
import { NOW } from './fixtures.ts';

test('a presumed write for a Node that is gone does not make the cycle run again and again', async () => {
  let now = NOW.getTime();
  const timers: { at: number; run: () => void }[] = [];
  const clock = () => new Date(now);
  const ownWrites = createOwnWrites(clock);
  // The Node was deleted: the view no longer holds it.
  const reconciler = reconcilerOver(() => [], {
    clock,
    ownWrites,
    timers: {
      setTimeout: (run, ms) => {
        const timer = { at: now + ms, run };
        timers.push(timer);
        return timer;
      },
      clearTimeout: (handle) => {
        timers.splice(timers.indexOf(handle as (typeof timers)[number]), 1);
      },
    },
    nodeGone: () => Promise.resolve(true),
  });
  const written: V1Node = { metadata: { name: 'gone', resourceVersion: '8' } };
  ownWrites.wrote('gone', '7', written, true);
  reconciler.setActive(true);
  await reconciler.idle();
  // The first cycle comes back when the write's trust ends.
  assert.equal(timers.length, 1);
  assert.ok(timers[0]!.at > now);

  now = timers[0]!.at;
  const [due] = timers.splice(0, 1);
  due!.run();
  await reconciler.idle();
  // Past its end the write is forgotten: nothing left to come back for.
  assert.deepEqual(
    timers.map((timer) => timer.at - now),
    [],
    'the cycle set a timer for a pending write that has ended',
  );
  reconciler.stop();
});
