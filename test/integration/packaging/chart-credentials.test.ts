// The chart's credentials are stable under GitOps (issue 26 item 16). Argo CD and other tools render
// the chart with `helm template`, with no cluster for `lookup` to read: a Secret of random tokens
// then changed on every render, each sync replaced it, and Alertmanager's copy went stale (401).
// Now: with an existing Secret named (the documented way) `helm template` is the same every time
// and renders no Secret; with the defaults and no cluster it fails and says what to set; `helm
// install`/`upgrade` (a cluster to read) generate the tokens once and keep them.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CoreV1Api, loadAllYaml } from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { CHART, helmInstall, helmUninstall } from '../../harness/packaging/chart-install.ts';
import { helm, kubectlOk, run } from '../../harness/packaging/cli-tools.ts';

const NAMESPACE = 'kreboot-credentials';
const RELEASE = 'cred';
const tmp = mkdtempSync(join(tmpdir(), 'kreboot-chart-credentials-'));
let cluster: Cluster;
let installed = false;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are free-form YAML
type Doc = any;

const template = (...args: string[]) =>
  run(helm(), ['template', RELEASE, CHART, '--namespace', NAMESPACE, '--kube-version', '1.37.2', ...args]);

function valuesFile(name: string, values: object): string {
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(values));
  return file;
}

before(async () => {
  cluster = await startCluster();
});

after(async () => {
  if (installed) helmUninstall(cluster.kubeconfigPath, RELEASE, NAMESPACE);
  if (cluster) {
    kubectlOk(cluster.kubeconfigPath, ['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=false']);
  }
  await cluster?.stop();
});

test('helm template with the default values and no cluster fails, naming the value to set', () => {
  const first = template();
  const second = template();
  assert.notEqual(first.code, 0, 'rendered without a cluster: the tokens would change on every render');
  assert.match(first.stderr, /controller\.credentials\.existingSecret/);
  assert.match(first.stderr, /kubectl .*create secret generic/);
  assert.equal(second.stderr, first.stderr);
});

test('helm template with controller.credentials.existingSecret is the same every time and renders no Secret', () => {
  const values = valuesFile('existing', {
    controller: { credentials: { existingSecret: 'kreboot-tokens', webhookUsername: 'alertmanager' } },
    alertmanagerConfig: { create: true },
  });
  const first = template('--values', values);
  const second = template('--values', values);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(second.stdout, first.stdout);
  const docs = (loadAllYaml(first.stdout) as Doc[]).filter(Boolean);
  assert.deepEqual(
    docs.filter((d) => d.kind === 'Secret'),
    [],
  );
  const deployment = docs.find((d) => d.kind === 'Deployment');
  assert.equal(deployment.spec.template.spec.volumes.find((v: Doc) => v.name === 'credentials').secret.secretName, 'kreboot-tokens');
});

test('helm install generates the tokens once; helm upgrade and a connected helm template keep them', async () => {
  kubectlOk(cluster.kubeconfigPath, ['create', 'namespace', NAMESPACE]);
  const values = valuesFile('defaults', {});
  const result = helmInstall(cluster.kubeconfigPath, RELEASE, NAMESPACE, [values]);
  assert.equal(result.code, 0, result.stderr + result.stdout);
  installed = true;
  const core = cluster.kc.makeApiClient(CoreV1Api);
  const secret = await core.readNamespacedSecret({ namespace: NAMESPACE, name: `${RELEASE}-kreboot-controller` });
  const tokens = secret.data ?? {};
  assert.equal(Buffer.from(tokens['webhook-token'] ?? '', 'base64').length, 48);
  assert.equal(Buffer.from(tokens['admin-token'] ?? '', 'base64').length, 48);

  const upgrade = run(helm(), [
    'upgrade',
    RELEASE,
    CHART,
    '--kubeconfig',
    cluster.kubeconfigPath,
    '--namespace',
    NAMESPACE,
    '--values',
    values,
  ]);
  assert.equal(upgrade.code, 0, upgrade.stderr);
  const after = await core.readNamespacedSecret({ namespace: NAMESPACE, name: `${RELEASE}-kreboot-controller` });
  assert.deepEqual(after.data, tokens, 'helm upgrade changed the tokens');

  // A render that can read the cluster (helm template --dry-run=server) gives the installed tokens.
  const connected = () => template('--kubeconfig', cluster.kubeconfigPath, '--dry-run=server', '--values', values);
  const first = connected();
  assert.equal(first.code, 0, first.stderr);
  assert.equal(connected().stdout, first.stdout);
  const rendered = (loadAllYaml(first.stdout) as Doc[]).find((d) => d?.kind === 'Secret');
  assert.equal(rendered.data['webhook-token'], tokens['webhook-token']);
});
