// The controller's NetworkPolicy (issue 26 item 13): only the monitoring namespace (Prometheus,
// Alertmanager) reaches the controller's port, and the kubelet's probes, which come from the node
// and which Kubernetes always allows. The kustomize component and the Helm chart (on by default)
// select exactly the controller's pods, allow ingress on its named port from the allowed
// namespaces only (by kubernetes.io/metadata.name, which the API server sets and nobody can forge),
// never from everyone, and the real API server accepts them. Whether traffic is really dropped is
// the network plugin's part: the test control plane has none (KWOK).

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dump, loadAll } from 'js-yaml';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { applyServerSide, helm, helmTemplate, kubectlOk, kustomize, ROOT, run } from '../../harness/packaging/cli-tools.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are free-form YAML
type Doc = any;

const tmp = mkdtempSync(join(tmpdir(), 'kreboot-netpol-'));
let cluster: Cluster;

before(async () => {
  cluster = await startCluster();
  // The NetworkPolicies alone go to the API server (a dry run): their namespace must exist.
  kubectlOk(cluster.kubeconfigPath, ['create', 'namespace', 'kreboot']);
});

after(async () => {
  // Waited for: the next packaging files apply the base into `kreboot` and fail on a namespace
  // still terminating.
  if (cluster) kubectlOk(cluster.kubeconfigPath, ['delete', 'namespace', 'kreboot', '--ignore-not-found', '--wait=true', '--timeout=180s']);
  await cluster?.stop();
});

/** Server-side dry run of the NetworkPolicy of a manifest stream: the API server validates it. */
function dryRunPolicy(manifests: string): string {
  const policy = docsOf(manifests).find((d) => d.kind === 'NetworkPolicy');
  const result = applyServerSide(cluster.kubeconfigPath, dump(policy), { dryRun: true });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

function valuesFile(name: string, values: object): string {
  const file = join(tmp, `${name}.json`);
  writeFileSync(file, JSON.stringify(values));
  return file;
}

// js-yaml, not the client's loadAllYaml: that one builds typed objects with every optional field present.
const docsOf = (manifests: string): Doc[] => (loadAll(manifests) as Doc[]).filter(Boolean);
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Checks the policy against the workloads it sits beside, and returns its allowed namespaces. */
function checkPolicy(docs: Doc[]): string[] {
  const policies = docs.filter((d) => d.kind === 'NetworkPolicy');
  assert.equal(policies.length, 1, 'one NetworkPolicy');
  const [policy] = policies;
  const controller = docs.find((d) => d.kind === 'Deployment');
  const agent = docs.find((d) => d.kind === 'DaemonSet');
  assert.equal(policy.metadata.namespace, controller.metadata.namespace);
  assert.ok(matches(policy.spec.podSelector.matchLabels, controller.spec.template.metadata.labels), 'selects the controller pods');
  assert.ok(!matches(policy.spec.podSelector.matchLabels, agent.spec.template.metadata.labels), 'not the agents');
  assert.deepEqual(policy.spec.policyTypes, ['Ingress']);
  assert.equal(policy.spec.ingress.length, 1);
  const [rule] = policy.spec.ingress;
  // The port Alertmanager posts to and Prometheus scrapes, by the name the container gives it.
  const ports = controller.spec.template.spec.containers[0].ports.map((p: Doc) => p.name);
  assert.deepEqual(rule.ports, [{ port: 'http', protocol: 'TCP' }]);
  assert.ok(ports.includes('http'));
  // Never an empty `from` (that would allow every source).
  assert.ok(Array.isArray(rule.from) && rule.from.length > 0, 'a rule without from allows everyone');
  return rule.from.map((peer: Doc) => {
    assert.deepEqual(Object.keys(peer), ['namespaceSelector'], JSON.stringify(peer));
    assert.deepEqual(Object.keys(peer.namespaceSelector.matchLabels), ['kubernetes.io/metadata.name']);
    return peer.namespaceSelector.matchLabels['kubernetes.io/metadata.name'];
  });
}

test('the kustomize component allows the monitoring namespace only, and the API server accepts it', () => {
  const manifests = kustomize('test/integration/packaging/network-policy');
  assert.deepEqual(checkPolicy(docsOf(manifests)), ['monitoring']);
  assert.match(dryRunPolicy(manifests), /networkpolicy.networking.k8s.io\/kreboot-controller serverside-applied \(server dry run\)/);
});

test('the Helm chart creates it by default, with the namespaces and extra peers of its values', () => {
  assert.deepEqual(checkPolicy(docsOf(helmTemplate('np', 'kreboot'))), ['monitoring']);
  const custom = helmTemplate('np', 'kreboot', valuesFile('custom', { networkPolicy: { namespaces: ['prometheus', 'alerting'] } }));
  assert.deepEqual(checkPolicy(docsOf(custom)), ['prometheus', 'alerting']);
  assert.match(dryRunPolicy(custom), /networkpolicy.networking.k8s.io\/np-kreboot-controller serverside-applied \(server dry run\)/);
  // extraFrom: any NetworkPolicyPeer, e.g. Alertmanager's pods in its own namespace.
  const peer = {
    namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } },
    podSelector: { matchLabels: { 'app.kubernetes.io/name': 'alertmanager' } },
  };
  const extra = docsOf(helmTemplate('np', 'kreboot', valuesFile('extra', { networkPolicy: { extraFrom: [peer] } })));
  assert.deepEqual(extra.find((d) => d.kind === 'NetworkPolicy').spec.ingress[0].from.at(-1), peer);
  assert.equal(
    docsOf(helmTemplate('np', 'kreboot', valuesFile('off', { networkPolicy: { create: false } }))).filter((d) => d.kind === 'NetworkPolicy')
      .length,
    0,
  );
});

test('the Helm chart refuses a policy that allows no source, rather than rendering one that allows every source', () => {
  const result = run(helm(), [
    'template',
    'np',
    join(ROOT, 'deploy/helm/kreboot'),
    '--namespace',
    'kreboot',
    '--kube-version',
    '1.37.2',
    '--set',
    'controller.credentials.existingSecret=x',
    '--values',
    valuesFile('empty', { networkPolicy: { namespaces: [], extraFrom: [] } }),
  ]);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /networkPolicy: no source is allowed/);
});
