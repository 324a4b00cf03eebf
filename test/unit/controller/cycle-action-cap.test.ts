// A cycle takes at most 64 actions before it turns to the candidates (issue 25): thousands of
// records to keep (5,000 withdrawals after a patch night) held one cycle, and every start behind
// it, for minutes. The rest waits for the next cycle, which is asked for at once; every record is
// still kept in the end, and a candidate is decided in the first cycle.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { reconcilerOver } from '../../harness/reconciler-over.ts';
import { CONTROLLER } from '../../../src/store/keys.ts';
import type { Action } from '../../../src/controller/policy/decide.ts';
import { NOW, ago } from './fixtures.ts';

test('a cycle keeps at most 64 records before the candidates; the next cycle, asked for at once, keeps the rest', async () => {
  // 200 nodes whose request was withdrawn while they waited: each has a record to write (done).
  const withdrawn = new Map<string, V1Node>();
  for (let i = 0; i < 200; i++) {
    const name = `w-${String(i).padStart(3, '0')}`;
    withdrawn.set(name, {
      metadata: {
        name,
        resourceVersion: '1',
        annotations: { [CONTROLLER.state]: JSON.stringify({ phase: 'queued', since: ago(60), reason: 'waiting for a free slot' }) },
      },
    });
  }
  const candidate: V1Node = {
    metadata: {
      name: 'candidate',
      resourceVersion: '1',
      annotations: { [CONTROLLER.request]: JSON.stringify({ at: ago(30), kind: 'api', by: 'test' }) },
    },
  };
  const nodes = () => [...withdrawn.values(), candidate];
  const performed: Array<{ node: string; action: Action['type'] }> = [];
  const timers: Array<{ ms: number; run: () => void }> = [];
  const reconciler = reconcilerOver(nodes, {
    clock: () => NOW,
    timers: {
      setTimeout: (run, ms) => {
        const timer = { ms, run };
        timers.push(timer);
        return timer;
      },
      clearTimeout: (handle) => void timers.splice(timers.indexOf(handle as (typeof timers)[number]), 1),
    },
    performer: {
      perform: async (action: Action, node: V1Node) => {
        const name = node.metadata!.name!;
        performed.push({ node: name, action: action.type });
        // The record is written: the view shows the node without its wait from now on.
        if (withdrawn.has(name)) withdrawn.delete(name);
        return {};
      },
      settled: async () => {},
    } as never,
  });
  reconciler.setActive(true);
  await reconciler.idle();
  const first = performed.filter((entry) => entry.node.startsWith('w-')).length;
  assert.equal(first, 64, 'the first cycle kept 64 records');
  assert.ok(
    performed.some((entry) => entry.node === 'candidate'),
    'the candidate was decided in the first cycle, not after every record',
  );
  assert.ok(
    timers.some((timer) => timer.ms === 0),
    'the next cycle is asked for at once',
  );
  // Run the cycles asked for until nothing is left to keep.
  for (let i = 0; i < 10 && withdrawn.size > 0; i++) {
    const due = timers.splice(0, timers.length);
    for (const timer of due) timer.run();
    await reconciler.idle();
  }
  assert.equal(withdrawn.size, 0, 'every record was kept in the end');
  reconciler.stop();
});
