// The drain's first write (ADR 0026): before the first eviction, ONE Node patch carries the
// draining record and, with the workload gate, what the drain disrupts; a node changed under that
// write is not evicted from; a later pass writes only a workload it had not seen. The real drainer
// runs over a fake ClusterApi that records the order of the calls.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { ClusterApi } from '../../../src/controller/cluster-api.ts';
import { observeNode } from '../../../src/controller/policy/observed-node.ts';
import { decide } from '../../../src/controller/policy/decide.ts';
import { createDrainer } from '../../../src/controller/steps/drain.ts';
import { beginDrain } from '../../../src/controller/steps/drain-start.ts';
import type { NodePatch } from '../../../src/controller/steps/node-patches.ts';
import { createWorkloadMemory } from '../../../src/controller/steps/remember-workloads.ts';
import { CONTROLLER } from '../../../src/store/keys.ts';
import type { NodeProgress } from '../../../src/store/node-progress.ts';
import { NOW, SETTINGS, ago } from './fixtures.ts';

const ROUND = ago(60);

function v1node(progress: NodeProgress, annotations: Record<string, string> = {}): V1Node {
  return {
    metadata: {
      name: 'n1',
      uid: 'uid-1',
      resourceVersion: '7',
      annotations: { [CONTROLLER.state]: JSON.stringify(progress), ...annotations },
    },
    spec: { unschedulable: true },
  };
}
const cordoned: NodeProgress = { phase: 'cordoned', since: ROUND, reason: 'cordoned; drain follows', startedAt: ROUND, attempts: 0 };

function pod(namespace: string, name: string, owner?: { kind: string; name: string }): V1Pod {
  return {
    metadata: { namespace, name, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', controller: true, uid: 'o', ...owner }] } : {}) },
    spec: { nodeName: 'n1', containers: [] },
    status: { phase: 'Running' },
  };
}
const web = pod('apps', 'web-1', { kind: 'ReplicaSet', name: 'web-abc' });
const db = pod('apps', 'db-0', { kind: 'StatefulSet', name: 'db' });
const agent = pod('kreboot', 'agent-x', { kind: 'DaemonSet', name: 'kreboot-agent' });

/** The drainer over a fake API; every call and the drain's writes in one ordered list. */
function setup(pods: V1Pod[], options: { gate?: boolean; writeLands?: boolean } = {}) {
  const calls: string[] = [];
  const patches: NodePatch['body'][] = [];
  const api = {
    listPodsOnNode: async (node: string) => {
      calls.push(`list pods on ${node}`);
      return pods;
    },
    evictPod: async (namespace: string, name: string) => void calls.push(`evict ${namespace}/${name}`),
    deletePod: async (namespace: string, name: string) => void calls.push(`delete ${namespace}/${name}`),
    listPodDisruptionBudgets: async () => [],
  } as unknown as ClusterApi;
  const ready = new Map([
    ['ReplicaSet/apps/web-abc', 3],
    ['StatefulSet/apps/db', 2],
    ['DaemonSet/kreboot/kreboot-agent', 5],
  ]);
  const workloads =
    options.gate === false
      ? undefined
      : createWorkloadMemory({
          source: {
            synced: () => true,
            workload: (key) => ({ key, desired: ready.get(key)!, ready: ready.get(key)!, current: true, shownAs: key }),
          },
        });
  const write = async (patch: NodePatch) => {
    calls.push('patch node');
    patches.push(patch.body);
    return options.writeLands !== false;
  };
  const drainer = createDrainer(api, { gracePeriodSeconds: 0, skipWaitForDeleteTimeoutSeconds: 0, podSelector: '' });
  const pass = (node: V1Node) =>
    drainer.pass('n1', NOW, beginDrain({ ...(workloads ? { workloads } : {}), write }, node, observeNode(node), NOW));
  return { calls, patches, pass };
}

const annotations = (body: NodePatch['body']) => body.metadata.annotations ?? {};
const stateOf = (body: NodePatch['body']) => JSON.parse(annotations(body)[CONTROLLER.state]!) as NodeProgress;
const evictedOf = (body: NodePatch['body']) => JSON.parse(annotations(body)[CONTROLLER.evictedWorkloads]!) as unknown;

describe('the drain start', () => {
  it('writes the draining record and the evicted workloads in one optimistic patch, before the first eviction', async () => {
    const t = setup([web, agent]);
    const result = await t.pass(v1node(cordoned));
    assert.deepEqual(t.calls, ['list pods on n1', 'patch node', 'evict apps/web-1'], 'one write, and it comes before the eviction');
    const [body] = t.patches as [NodePatch['body']];
    assert.equal(body.metadata.resourceVersion, '7', 'optimistic: the cycle read version 7');
    const state = stateOf(body);
    assert.equal(state.phase, 'draining');
    assert.equal(state.startedAt, ROUND, 'the round is kept');
    assert.equal(state.since, NOW.toISOString(), 'the drain began now');
    assert.equal(state.reason, 'waiting for 1 pod(s) to terminate: apps/web-1');
    assert.deepEqual(evictedOf(body), {
      round: ROUND,
      workloads: { 'ReplicaSet/apps/web-abc': 3, 'DaemonSet/kreboot/kreboot-agent': 5 },
    });
    // The pass's own outcome is the reason already recorded: the policy writes nothing more for it.
    assert.equal(result.reason, state.reason);
    const next = decide(
      observeNode(v1node(state)),
      { holdsSlot: true, fact: { type: 'drain-waiting', reason: result.reason, blockedByBudget: false } },
      NOW,
      SETTINGS,
    );
    assert.equal(next.type, 'none', `no second write for the same wait: ${JSON.stringify(next)}`);
  });

  it('evicts nothing when the node changed under that write: the pass is stale and learnt nothing', async () => {
    const t = setup([web, agent], { writeLands: false });
    const result = await t.pass(v1node(cordoned));
    assert.deepEqual(t.calls, ['list pods on n1', 'patch node']);
    assert.equal(result.stale, true);
    assert.equal(result.done, false);
    assert.equal(result.evicted, 0);
  });

  it('a later pass writes only a workload it had not seen, without a resourceVersion, and before evicting its pod', async () => {
    const t = setup([web, agent]);
    const first = await t.pass(v1node(cordoned));
    assert.equal(first.evicted, 1);
    const recorded = stateOf(t.patches[0]!);
    // The watch shows the drain's record; a StatefulSet pod landed late (bound before the cordon).
    const draining = v1node(recorded, { [CONTROLLER.evictedWorkloads]: annotations(t.patches[0]!)[CONTROLLER.evictedWorkloads]! });
    const later = setup([web, agent, db]);
    await later.pass(draining);
    assert.deepEqual(later.calls, ['list pods on n1', 'patch node', 'evict apps/web-1', 'evict apps/db-0']);
    const [body] = later.patches as [NodePatch['body']];
    assert.equal(body.metadata.resourceVersion, undefined, 'the workload record alone decides nothing: merged as it is');
    assert.equal(annotations(body)[CONTROLLER.state], undefined, 'the draining record is not written again');
    assert.deepEqual(evictedOf(body), {
      round: ROUND,
      workloads: { 'ReplicaSet/apps/web-abc': 3, 'DaemonSet/kreboot/kreboot-agent': 5, 'StatefulSet/apps/db': 2 },
    });
    // Nothing new: no write at all.
    const quiet = setup([web, agent]);
    await quiet.pass(draining);
    assert.deepEqual(quiet.calls, ['list pods on n1', 'evict apps/web-1']);
  });

  it('with the workload gate off the first write is the draining record alone', async () => {
    const t = setup([web, agent], { gate: false });
    await t.pass(v1node(cordoned));
    assert.deepEqual(t.calls, ['list pods on n1', 'patch node', 'evict apps/web-1']);
    assert.equal(stateOf(t.patches[0]!).phase, 'draining');
    assert.equal(annotations(t.patches[0]!)[CONTROLLER.evictedWorkloads], undefined);
  });

  it('a node with nothing to evict records only the DaemonSets its reboot restarts, and is drained', async () => {
    const t = setup([agent]);
    const result = await t.pass(v1node(cordoned));
    assert.deepEqual(t.calls, ['list pods on n1', 'patch node']);
    assert.equal(annotations(t.patches[0]!)[CONTROLLER.state], undefined, 'no draining record: the drain is over at once');
    assert.deepEqual(evictedOf(t.patches[0]!), { round: ROUND, workloads: { 'DaemonSet/kreboot/kreboot-agent': 5 } });
    assert.equal(result.done, true);
  });
});
