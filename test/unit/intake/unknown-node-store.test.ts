// The request store answers a name its synced view does not hold as unknown without asking the API
// (the lead's store, src/controller/request-recorder.ts; only its unknown-node path is tested here).
// The "API" is a loopback server that counts what reaches it.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { KubeConfig, type V1Node } from '@kubernetes/client-node';
import { createClusterApi } from '../../../src/controller/cluster-api.ts';
import { createRequestRecorder } from '../../../src/controller/request-recorder.ts';

const seen: string[] = [];
const api = createServer((req, res) => {
  seen.push(`${req.method} ${req.url}`);
  res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"kind":"Status","code":404}');
});
const kc = new KubeConfig();
const known: V1Node = { metadata: { name: 'n1', resourceVersion: '1', annotations: {} } };

before(async () => {
  api.listen(0, '127.0.0.1');
  await once(api, 'listening');
  const server = `http://127.0.0.1:${(api.address() as AddressInfo).port}`;
  kc.loadFromOptions({
    clusters: [{ name: 'c', server }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
});
after(() => api.close());

test('10,000 unknown names: all unknown, not one API request', async () => {
  seen.length = 0;
  const store = createRequestRecorder({
    api: createClusterApi(kc),
    remediationCap: 2,
    cached: (name) => (name === 'n1' ? known : undefined),
    synced: () => true,
    clock: () => new Date(0),
    onWrite: () => {},
  });
  for (let i = 0; i < 10_000; i++)
    assert.equal(await store.request(`ghost-${i}`, { kind: 'alert', alertname: 'RebootRequired' }), 'unknown-node');
  assert.equal(await store.withdraw('ghost', { kind: 'alert', alertname: 'RebootRequired' }), 'unknown-node');
  assert.equal(await store.requestByOperator('ghost', 'op', ''), 'unknown-node');
  assert.deepEqual(seen, []);
});

test('before the view has synced, the store refuses (the webhook answers 503 and Alertmanager retries)', async () => {
  seen.length = 0;
  const store = createRequestRecorder({
    api: createClusterApi(kc),
    remediationCap: 2,
    cached: () => undefined,
    synced: () => false,
    clock: () => new Date(0),
    onWrite: () => {},
  });
  await assert.rejects(store.request('n1', { kind: 'alert' }), /has not read the cluster's Nodes yet/);
  assert.deepEqual(seen, []);
});
