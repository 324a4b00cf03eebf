// A replica that just became leader (or finds the lock DaemonSet created again, its holders gone)
// checks its watch-fed view against one fresh list of the Nodes before anything starts: a watch
// lagging behind the last leader's cordon showed that node schedulable, and with the lock's holders
// lost a second node started beside it at --concurrency=1 (found by the simulation, seed 20227).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import type { Action } from '../../../src/controller/policy/decide.ts';
import { reconcilerOver } from '../../harness/reconciler-over.ts';

const request = JSON.stringify({ at: '2026-12-06T10:00:00.000Z', kind: 'api', by: 'operator' });
const wanting: V1Node = {
  metadata: { name: 'n1', resourceVersion: '3', annotations: { 'kreboot.dev/reboot-request': request, 'kreboot.dev/boot-id': 'boot-1' } },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
};
const idle: V1Node = { metadata: { name: 'n2', resourceVersion: '4' } };
const rebooting: V1Node = {
  metadata: {
    name: 'n2',
    resourceVersion: '9',
    annotations: { 'kreboot.dev/state': JSON.stringify({ phase: 'rebooting', since: '2026-12-06T10:00:01.000Z', reason: '' }) },
  },
  spec: { unschedulable: true },
};

function rig(fresh: () => readonly V1Node[]) {
  const started: string[] = [];
  let lists = 0;
  const reconciler = reconcilerOver(() => [wanting, idle], {
    performer: {
      perform: async (action: Action, _node: V1Node, observed: { name: string }) => {
        if (action.type === 'start') started.push(observed.name);
        return {};
      },
      settled: async () => {},
    } as never,
    freshNodes: async () => {
      lists++;
      return fresh();
    },
  });
  return { reconciler, started, lists: () => lists };
}

test('nothing starts while the API server has a node out of service that the view shows schedulable', async () => {
  const { reconciler, started, lists } = rig(() => [wanting, rebooting]);
  reconciler.setActive(true);
  await reconciler.idle();
  assert.deepEqual(started, [], 'n1 started beside n2, which the last leader had out of service');
  assert.equal(lists(), 1);
  reconciler.stop();
});

test('once the list agrees with the view, the start goes on, and the next cycles do not list again', async () => {
  const { reconciler, started, lists } = rig(() => [wanting, idle]);
  reconciler.setActive(true);
  await reconciler.idle();
  assert.deepEqual(started, ['n1']);
  reconciler.setActive(true); // a wake while leading: the same term
  await reconciler.idle();
  assert.equal(lists(), 1, 'the view is checked once per term');
  reconciler.stop();
});

test('a list that fails holds every start (blocked, never "go")', async () => {
  const { reconciler, started } = rig(() => {
    throw new Error('the API server is unreachable');
  });
  reconciler.setActive(true);
  await reconciler.idle();
  assert.deepEqual(started, []);
  reconciler.stop();
});
