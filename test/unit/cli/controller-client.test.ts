// How the operator commands reach the controller: through the API server's service proxy with the
// kubeconfig's credentials (the token also in X-Kreboot-Authorization, which the API server passes
// on), or straight to --server. Bad input is a clear problem; a client certificate, which the API
// server cannot pass on, is said before anything is sent. And `kubectl-kreboot` is what npm installs.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, type ClientOptions } from '../../../src/cli/controller-client.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'kreboot-client-'));
const defaults: ClientOptions = {
  server: '',
  tokenFile: '',
  kubeconfig: '',
  context: '',
  namespace: 'kreboot',
  service: 'kreboot-controller:http',
};

function kubeconfig(name: string, user: object): string {
  const path = join(dir, `${name}.kubeconfig`);
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server: 'https://api.example.test:6443/' } }],
    users: [{ name, user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: name } }],
    'current-context': 'ctx',
  };
  writeFileSync(path, JSON.stringify(config));
  return path;
}

describe('the CLI reaches the controller', () => {
  it('through the service proxy, with the kubeconfig token also for the controller', async () => {
    const problems: string[] = [];
    const client = await connect({ ...defaults, kubeconfig: kubeconfig('alice', { token: 'alice-token' }), service: 'kc:8080' }, problems);
    assert.deepEqual(problems, []);
    assert.equal(client!.http.defaults.baseURL, 'https://api.example.test:6443/api/v1/namespaces/kreboot/services/http:kc:8080/proxy');
    const headers = client!.http.defaults.headers as unknown as Record<string, string>;
    assert.equal(headers.Authorization, 'Bearer alice-token');
    assert.equal(headers['x-kreboot-authorization'], 'Bearer alice-token');
    assert.equal(client!.hasToken, true);
    assert.match(client!.where, /service kreboot\/kc:8080 through https:\/\/api\.example\.test:6443/);
  });

  it('says before sending anything that a client certificate cannot name the user to kreboot', async () => {
    const problems: string[] = [];
    const cert = { 'client-certificate-data': Buffer.from('x').toString('base64'), 'client-key-data': Buffer.from('y').toString('base64') };
    const client = await connect({ ...defaults, kubeconfig: kubeconfig('carol', cert) }, problems);
    assert.deepEqual(problems, []);
    assert.equal(client!.hasToken, false);
    assert.match(client!.noTokenHint, /"carol" signs in with a client certificate.*--token-file.*kubectl exec/);
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 'sa-token\n');
    const withFile = await connect({ ...defaults, kubeconfig: kubeconfig('carol', cert), tokenFile }, problems);
    assert.equal((withFile!.http.defaults.headers as unknown as Record<string, string>)['x-kreboot-authorization'], 'Bearer sa-token');
  });

  it('straight to --server with --token-file', async () => {
    const tokenFile = join(dir, 'admin');
    writeFileSync(tokenFile, 'admin-token\n');
    const problems: string[] = [];
    const client = await connect({ ...defaults, server: 'http://127.0.0.1:8080', tokenFile }, problems);
    assert.deepEqual(problems, []);
    assert.equal(client!.http.defaults.baseURL, 'http://127.0.0.1:8080');
    assert.equal((client!.http.defaults.headers as unknown as Record<string, string>).authorization, 'Bearer admin-token');
  });

  it('names each bad input', async () => {
    const cases: [Partial<ClientOptions>, RegExp][] = [
      [{ server: 'not a url' }, /--server: "not a url" is not a URL/],
      [{ tokenFile: join(dir, 'missing') }, /--token-file: cannot read .*missing \(ENOENT\)/],
      [{ kubeconfig: join(dir, 'missing.kubeconfig') }, /--kubeconfig: cannot load/],
      [{ kubeconfig: kubeconfig('a', { token: 't' }), context: 'nope' }, /--context: no context "nope"/],
      [{ kubeconfig: kubeconfig('a', { token: 't' }), service: 'a:b:c' }, /--service: "a:b:c" is not NAME or NAME:PORT/],
    ];
    for (const [options, expected] of cases) {
      const problems: string[] = [];
      await connect({ ...defaults, ...options }, problems);
      assert.match(problems.join('\n'), expected);
    }
  });

  it('ships `kubectl-kreboot` as a bin of the package (npm i -g kreboot puts it on the PATH)', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    assert.equal(pkg.bin['kubectl-kreboot'], 'dist/kubectl-kreboot.js', 'built by tsc from src/kubectl-kreboot.ts');
    assert.match(readFileSync(join(root, 'src/kubectl-kreboot.ts'), 'utf8'), /^#!\/usr\/bin\/env node\n/);
    const help = spawnSync(process.execPath, ['src/kubectl-kreboot.ts', '--help'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /kubectl kreboot pause/);
    const controller = spawnSync(process.execPath, ['src/kubectl-kreboot.ts', 'controller'], {
      cwd: root,
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '' },
    });
    assert.equal(controller.status, 2, "the roles are not the plugin's");
  });
});
