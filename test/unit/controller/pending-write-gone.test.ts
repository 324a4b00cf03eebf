// A write the watch has not shown yet is trusted for 10 s, and the cycle comes back when that
// trust ends. Found by the simulation (a Node deleted right after kreboot wrote it, before the
// watch showed the write): the entry was dropped only when the node was seen again, so for a
// deleted Node it stayed, its end stayed in the past, and every cycle asked for the next one at
// once — the controller spun through cycles for ever.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createControllerMetrics } from '../../../src/controller/observe/metrics.ts';
import { createReconciler } from '../../../src/controller/reconciler.ts';
import { NOW, SETTINGS } from './fixtures.ts';

test('a pending write for a Node that is gone does not make the cycle run again and again', async () => {
  let now = NOW.getTime();
  const timers: { at: number; run: () => void }[] = [];
  const reconciler = createReconciler({
    // The Node was deleted: the view no longer holds it.
    view: {
      nodes: () => [],
      node: () => undefined,
      daemonSet: () => undefined,
      synced: () => true,
      start: () => Promise.resolve(),
      stop: () => Promise.resolve(),
    },
    rollout: { current: () => undefined, update: () => Promise.reject(new Error('not used')) },
    performer: { perform: () => Promise.reject(new Error('not used')), settled: () => Promise.resolve() },
    gates: [],
    settings: {
      ...SETTINGS,
      concurrency: 1,
      ttlMs: 0,
      trigger: 'alert',
      gateRecheckMs: 30_000,
      lockAnnotation: 'weave.works/kured-node-lock',
    },
    metrics: createControllerMetrics(new Registry(), {
      nodes: () => [],
      rollout: () => undefined,
      halt: () => undefined,
      leader: () => true,
    }),
    log: pino({ level: 'silent' }),
    clock: () => new Date(now),
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
  reconciler.wrote('gone', '7', written);
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
