// The cordon's write carries the taint the node lifecycle controller would add to a cordoned node
// (node.kubernetes.io/unschedulable:NoSchedule), so that controller has nothing to write and the
// drain's first write, optimistic, does not lose to it (ADR 0026); the node's other taints stay.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { observeNode } from '../../../src/controller/policy/observed-node.ts';
import { completePatch, failPatch, startPatch, type PatchSettings } from '../../../src/controller/steps/node-patches.ts';
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
});

/** A node kreboot cordoned (with the cordon's taint) and rebooted; `wasUnschedulable` as recorded at the cordon. */
function rebootedNode(wasUnschedulable: boolean): V1Node {
  const state = { phase: 'verifying', since: NOW.toISOString(), reason: 'back', startedAt: NOW.toISOString(), wasUnschedulable };
  return {
    metadata: { name: 'n1', resourceVersion: '9', annotations: { 'kreboot.dev/state': JSON.stringify(state) } },
    spec: {
      unschedulable: true,
      taints: [
        { key: 'dedicated', value: 'db', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: NOW },
      ],
    },
  };
}

describe('giving a node back takes the cordon taint off with the cordon', () => {
  it("done and uncordoned: the cordon taint goes, the node's own taints stay", () => {
    const node = rebootedNode(false);
    const { body } = completePatch(node, observeNode(node), NOW, SETTINGS);
    assert.equal(body.spec?.unschedulable, false);
    assert.deepEqual(body.spec?.taints, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
  });

  it('done but cordoned before kreboot came: left cordoned, its taint too', () => {
    const node = rebootedNode(true);
    const { body } = completePatch(node, observeNode(node), NOW, SETTINGS);
    assert.equal(body.spec?.unschedulable, undefined);
    assert.equal(body.spec?.taints, undefined);
  });

  it('a failure that restores the node uncordons it without the cordon taint', () => {
    const node = rebootedNode(false);
    const { body } = failPatch(node, observeNode(node), NOW, { reason: 'hook failed', restore: true }, SETTINGS);
    assert.equal(body.spec?.unschedulable, false);
    assert.deepEqual(body.spec?.taints, [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }]);
  });
});
