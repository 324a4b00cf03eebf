// A start whose answer was lost (a timeout, a reset connection: neither a 409 nor a 404) may have
// taken its slot and cordoned its node all the same. The cycle counts that node as out for the rest
// of its run, and the runner's presumed write (cluster/own-writes.ts) keeps counting it in the next cycles until
// the watch shows what happened — without acting on a cordon that may never have landed. Found by
// the simulation (seeds 10939 and 20148): with the lock's holders lost at the same moment (the lock
// DaemonSet deleted and created again), the next node took the same room and two nodes were out
// under --concurrency=1.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import type { Performer } from '../../../src/controller/perform.ts';
import { applyMergePatch } from '../../../src/kube/patch.ts';
import { createOwnWrites } from '../../../src/controller/cluster/own-writes.ts';
import { reconcilerOver } from '../../harness/reconciler-over.ts';
import { AGENT, CONTROLLER } from '../../../src/store/keys.ts';
import { NOW, ago } from './fixtures.ts';

function pendingNode(name: string): V1Node {
  return {
    metadata: {
      name,
      resourceVersion: '1',
      labels: {},
      annotations: {
        [CONTROLLER.request]: JSON.stringify({ at: ago(60), kind: 'alert' }),
        [AGENT.bootId]: `boot-${name}`,
        [AGENT.rebootRequired]: 'true',
      },
    },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/** The node as the lost cordon would have made it. */
function cordoned(node: V1Node): V1Node {
  const progress = { phase: 'cordoned', since: NOW.toISOString(), reason: 'cordoned; drain follows', startedAt: NOW.toISOString() };
  return applyMergePatch(node, {
    metadata: { annotations: { [CONTROLLER.state]: JSON.stringify(progress) } },
    spec: { unschedulable: true },
  });
}

function setup() {
  const nodes = [pendingNode('a'), pendingNode('b')];
  const actions: string[] = [];
  let presume: ((node: V1Node) => void) | undefined;
  // The lock never shows a holder (its DaemonSet was recreated): only the cycle's own count of
  // what it started stands between a second node and the one slot.
  const performer = {
    async perform(action: { type: string }, node: V1Node) {
      const name = node.metadata!.name!;
      actions.push(`${action.type} ${name}`);
      if (action.type === 'start' && name === 'a') {
        presume?.(node);
        throw new Error('socket hang up');
      }
      return action.type === 'start' ? { took: true } : {};
    },
    settled: async () => {},
  } as unknown as Performer;
  const ownWrites = createOwnWrites(() => NOW);
  const reconciler = reconcilerOver(() => nodes, { performer, ownWrites, clock: () => NOW, settings: { concurrency: 1 } });
  return {
    reconciler,
    actions,
    presumeLanded: () => (presume = (node) => ownWrites.wrote(node.metadata!.name!, node.metadata!.resourceVersion, cordoned(node), true)),
  };
}

test('a start that failed midway keeps its room for the rest of the cycle', async () => {
  const { reconciler, actions } = setup();
  reconciler.setActive(true);
  await reconciler.idle();
  reconciler.stop();
  assert.ok(actions.includes('start a'), `a was started: ${actions.join(', ')}`);
  assert.ok(!actions.includes('start b'), `b took the room a may hold: ${actions.join(', ')}`);
});

test('a cordon whose answer was lost counts against the caps in the next cycle, and is not acted on', async () => {
  const { reconciler, actions, presumeLanded } = setup();
  presumeLanded();
  reconciler.setActive(true);
  await reconciler.idle();
  actions.length = 0;
  // The next cycle: the watch has not shown a's cordon (the view is unchanged).
  reconciler.wake('next cycle');
  await reconciler.idle();
  reconciler.stop();
  assert.ok(!actions.includes('start b'), `b started while a may be cordoned: ${actions.join(', ')}`);
  assert.ok(!actions.some((action) => action.endsWith(' a')), `a was acted on from a presumed write: ${actions.join(', ')}`);
});

test('applyMergePatch makes what the API server would store', () => {
  const node: V1Node = { metadata: { name: 'a', annotations: { keep: '1', drop: '2' } }, spec: { unschedulable: false } };
  assert.deepEqual(applyMergePatch(node, { metadata: { annotations: { drop: null, add: '3' } }, spec: { unschedulable: true } }), {
    metadata: { name: 'a', annotations: { keep: '1', add: '3' } },
    spec: { unschedulable: true },
  });
  assert.deepEqual(node.metadata!.annotations, { keep: '1', drop: '2' }, 'the original is not changed');
});
