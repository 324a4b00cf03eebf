// The cordon's write carries the taint the node lifecycle controller would add to a cordoned node
// (node.kubernetes.io/unschedulable:NoSchedule), so that controller has nothing to write and the
// drain's first write, optimistic, does not lose to it (ADR 0026); the node's other taints stay.
// With pools, the cordon records the node's pool for the rest of its round (pools/membership.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { observeNode } from '../../../src/controller/policy/observed-node.ts';
import { startPatch, verifyingPatch, type PatchSettings } from '../../../src/controller/steps/node-patches.ts';
import { NOW } from './fixtures.ts';

const SETTINGS: PatchSettings = {
  preferNoScheduleTaint: 'kreboot.dev/reboot-pending',
  preRebootNodeLabels: {},
  postRebootNodeLabels: {},
  annotateNodes: false,
  rebootTimeoutMs: 1_800_000,
};

describe('startPatch', () => {
  it('cordons with the unschedulable taint, keeping the taints the node has', () => {
    const node: V1Node = {
      metadata: { name: 'n1', resourceVersion: '5' },
      spec: { taints: [{ key: 'kreboot.dev/reboot-pending', value: 'true', effect: 'PreferNoSchedule' }] },
    };
    const { body } = startPatch(node, observeNode(node), NOW, SETTINGS, 1);
    assert.equal(body.spec?.unschedulable, true);
    assert.deepEqual(body.spec?.taints, [
      { key: 'kreboot.dev/reboot-pending', value: 'true', effect: 'PreferNoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' },
    ]);
    assert.equal(body.metadata.resourceVersion, '5');
  });

  it('leaves the taints alone on a node that has it already (cordoned before)', () => {
    const node: V1Node = {
      metadata: { name: 'n1', resourceVersion: '5' },
      spec: { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: NOW }] },
    };
    const { body } = startPatch(node, observeNode(node), NOW, SETTINGS, 1);
    assert.deepEqual(body.spec, { unschedulable: true });
  });

  it('records the pool the node is cordoned in, and every later phase of the round keeps it', () => {
    const node: V1Node = { metadata: { name: 'n1', resourceVersion: '5' } };
    const { progress } = startPatch(node, observeNode(node), NOW, { ...SETTINGS, roundPool: 'gpu' }, 1);
    assert.equal(progress?.pool, 'gpu');
    const cordoned: V1Node = { metadata: { name: 'n1', annotations: { 'kreboot.dev/state': JSON.stringify(progress) } } };
    assert.equal(verifyingPatch(cordoned, observeNode(cordoned), NOW).progress?.pool, 'gpu');
    assert.equal(startPatch(node, observeNode(node), NOW, SETTINGS, 1).progress?.pool, undefined, 'no pools: nothing recorded');
  });
});
