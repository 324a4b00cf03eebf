// Quiet maintenance silences a node's alerts once its cordon has landed, never before: a silence
// asked for first outlived a start that never landed — the controller killed between the silence
// and the cordon, the gates closed when the next leader looked — and quieted a node kreboot was not
// rebooting until the silence's own end (found by the simulation, seed 76228). The cordon records
// "find them by matchers"; the reboot job's write records the IDs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { NodeSilencer } from '../../../src/alertmanager/node-silencer.ts';
import type { ClusterApi } from '../../../src/controller/cluster-api.ts';
import { createOwnWrites } from '../../../src/controller/cluster/own-writes.ts';
import { createControllerMetrics } from '../../../src/controller/observe/metrics.ts';
import { observeNode } from '../../../src/controller/policy/observed-node.ts';
import { createNodeWriter } from '../../../src/controller/steps/node-writer.ts';
import { startPatch } from '../../../src/controller/steps/node-patches.ts';
import { createQuietMaintenance } from '../../../src/controller/steps/quiet-maintenance.ts';
import { applyMergePatch } from '../../../src/kube/patch.ts';
import { NOW } from './fixtures.ts';

const SETTINGS = {
  preferNoScheduleTaint: '',
  preRebootNodeLabels: {},
  postRebootNodeLabels: {},
  annotateNodes: false,
  rebootTimeoutMs: 600_000,
};

function rig(patchNode: (name: string, body: object) => Promise<V1Node>) {
  const silenced: string[] = [];
  const silencer: NodeSilencer = {
    silence: (node) => {
      silenced.push(node);
      return Promise.resolve([`silence-of-${node}`]);
    },
    expire: () => Promise.resolve(),
  };
  const api = { patchNode, readNode: () => Promise.reject(new Error('not used')) } as unknown as ClusterApi;
  const log = pino({ level: 'silent' });
  const ownWrites = createOwnWrites(() => NOW);
  const events = { record: () => {} };
  const quiet = createQuietMaintenance({
    api,
    silencer,
    ownWrites,
    events,
    settings: { drainTimeoutMs: 300_000, rebootTimeoutMs: 600_000 },
    wake: () => {},
    clock: () => NOW,
    log,
  });
  const metrics = createControllerMetrics(new Registry(), {
    nodes: () => [],
    rollout: () => undefined,
    halt: () => undefined,
    leader: () => true,
  });
  const writer = createNodeWriter({ api, ownWrites, sinks: { log, events, notify: () => {}, metrics }, quiet, log });
  return { writer, silenced };
}

const node: V1Node = { metadata: { name: 'n1', resourceVersion: '5' }, spec: {} };

describe('quiet maintenance and the cordon', () => {
  it('asks for no silence while the cordon has not landed (the controller may die in between)', async () => {
    let landCordon: (node: V1Node) => void = () => {};
    const { writer, silenced } = rig(() => new Promise((resolve) => (landCordon = resolve)));
    const observed = observeNode(node);
    const writing = writer.writeSilenced(
      { now: NOW, conflicted: false },
      node,
      observed,
      startPatch(node, observed, NOW, SETTINGS, 1),
      'cordon',
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(silenced, [], 'a silence was asked for before the cordon landed');
    landCordon({ ...node, metadata: { ...node.metadata, resourceVersion: '6' } });
    assert.equal(await writing, true);
    assert.deepEqual(silenced, ['n1'], 'silenced once the cordon landed');
  });

  it('records with the cordon that its silences are found by their matchers', async () => {
    let body: object | undefined;
    const { writer } = rig((_name, patch) => {
      body = patch;
      return Promise.resolve(applyMergePatch(node, patch));
    });
    const observed = observeNode(node);
    await writer.writeSilenced({ now: NOW, conflicted: false }, node, observed, startPatch(node, observed, NOW, SETTINGS, 1), 'cordon');
    const annotations = (body as { metadata: { annotations: Record<string, string> } }).metadata.annotations;
    assert.deepEqual(JSON.parse(annotations['kreboot.dev/silences']!), ['by-matchers']);
  });

  it('asks for no silence when the cordon loses to a conflict', async () => {
    const conflict = Object.assign(new Error('Conflict'), { code: 409, statusCode: 409 });
    const { writer, silenced } = rig(() => Promise.reject(conflict));
    const observed = observeNode(node);
    const written = await writer.writeSilenced(
      { now: NOW, conflicted: false },
      node,
      observed,
      startPatch(node, observed, NOW, SETTINGS, 1),
      'cordon',
    );
    assert.equal(written, false);
    assert.deepEqual(silenced, []);
  });
});
