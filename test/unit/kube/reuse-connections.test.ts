// The controller's API calls share their connections (issue 25): @kubernetes/client-node builds a
// new undici Agent per request, so each call was a new TCP and TLS connection. The kept dispatcher
// is the same for every call with the same settings, and a new one for new TLS material.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { RequestContext } from '@kubernetes/client-node/dist/gen/http/http.js';
import { reuseConnections } from '../../../src/kube/reuse-connections.ts';

function config(certData: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:6443', caData: Buffer.from('ca').toString('base64'), skipTLSVerify: false }],
    users: [{ name: 'u', certData: Buffer.from(certData).toString('base64'), keyData: Buffer.from('key').toString('base64') }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

async function dispatcherOf(kc: KubeConfig): Promise<unknown> {
  const context = new RequestContext('https://127.0.0.1:6443/api/v1/nodes', 'GET' as never);
  await kc.applySecurityAuthentication(context);
  return context.getDispatcher();
}

test('every call with the same settings gets the same dispatcher (its connections stay open)', async () => {
  const kc = reuseConnections(config('cert-1'));
  const first = await dispatcherOf(kc);
  assert.ok(first, 'a dispatcher is set');
  assert.equal(await dispatcherOf(kc), first);
  assert.equal(await dispatcherOf(kc), first);
});

test('without it, the library builds a new dispatcher per call (what this works around)', async () => {
  const kc = config('cert-1');
  assert.notEqual(await dispatcherOf(kc), await dispatcherOf(kc));
});

test('new TLS material (a rotated client certificate) gets a new dispatcher', async () => {
  const kc = reuseConnections(config('cert-1'));
  const first = await dispatcherOf(kc);
  kc.users[0] = { ...kc.users[0]!, certData: Buffer.from('cert-2').toString('base64') };
  const second = await dispatcherOf(kc);
  assert.notEqual(second, first);
  assert.equal(await dispatcherOf(kc), second);
});
