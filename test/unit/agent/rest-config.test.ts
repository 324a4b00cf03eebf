// The agent's own kubeconfig loading (it does not load @kubernetes/client-node): the forms the
// agent supports, and clear errors for the ones it does not.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadRestConfig } from '../../../src/kube/rest-config.ts';

const dir = mkdtempSync(join(tmpdir(), 'kreboot-kubeconfig-'));
const b64 = (text: string) => Buffer.from(text).toString('base64');

function kubeconfig(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

test('YAML kubeconfig with client certificate data and the current context', () => {
  const path = kubeconfig(
    'certs.yaml',
    `apiVersion: v1
kind: Config
current-context: b
contexts:
- name: a
  context: {cluster: one, user: nobody}
- name: b
  context: {cluster: two, user: admin}
clusters:
- name: one
  cluster: {server: "https://10.0.0.1:6443"}
- name: two
  cluster:
    server: https://127.0.0.1:6443
    certificate-authority-data: ${b64('CA')}
users:
- name: admin
  user:
    client-certificate-data: ${b64('CERT')}
    client-key-data: ${b64('KEY')}
`,
  );
  const config = loadRestConfig(path, {});
  assert.equal(config.server.href, 'https://127.0.0.1:6443/');
  assert.equal(config.ca?.toString(), 'CA');
  assert.equal(config.cert?.toString(), 'CERT');
  assert.equal(config.key?.toString(), 'KEY');
  assert.equal(config.authorization(), undefined);
  assert.equal(config.insecureSkipTlsVerify, false);
});

test('JSON kubeconfig with a token; files relative to the kubeconfig', () => {
  writeFileSync(join(dir, 'ca.crt'), 'FILE-CA');
  const path = kubeconfig(
    'token.json',
    JSON.stringify({
      'current-context': 'c',
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:1', 'certificate-authority': 'ca.crt' } }],
      users: [{ name: 'u', user: { token: 's3cret' } }],
    }),
  );
  const config = loadRestConfig(path, {});
  assert.equal(config.ca?.toString(), 'FILE-CA');
  assert.equal(config.authorization(), 'Bearer s3cret');
});

test('a token file is read (and re-read later, as service-account tokens rotate)', () => {
  writeFileSync(join(dir, 'token'), 'from-file\n');
  const path = kubeconfig(
    'tokenfile.yaml',
    `current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "http://127.0.0.1:8080"}}]
users: [{name: u, user: {tokenFile: token}}]
`,
  );
  assert.equal(loadRestConfig(path, {}).authorization(), 'Bearer from-file');
});

test('exec credentials are refused with a clear message', () => {
  const path = kubeconfig(
    'exec.yaml',
    `current-context: c
contexts: [{name: c, context: {cluster: k, user: u}}]
clusters: [{name: k, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {exec: {command: aws}}}]
`,
  );
  assert.throws(() => loadRestConfig(path, {}), /exec and auth-provider credentials are not supported/);
});

test('without a kubeconfig and outside a cluster, the error says so', () => {
  assert.throws(() => loadRestConfig('', {}), /not running in a cluster/);
});
