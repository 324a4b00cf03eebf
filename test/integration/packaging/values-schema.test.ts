// Helm applies values.schema.json: `helm lint --strict` and `helm template` reject a misspelled or
// mistyped value and name it, and accept kured's own values file as it is. (`helm install` against
// a real API server: kured-values.test.ts.)

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHART } from '../../harness/packaging/chart-install.ts';
import { loadAll } from 'js-yaml';
import { helm, kustomize, ROOT, run } from '../../harness/packaging/cli-tools.ts';

const tmp = mkdtempSync(join(tmpdir(), 'kreboot-schema-'));
const KURED_VALUES = join(ROOT, 'test/integration/packaging/kured-values.yaml');

function valuesFile(name: string, values: object): string {
  const path = join(tmp, `${name}.json`);
  writeFileSync(path, JSON.stringify(values));
  return path;
}

const lint = (...args: string[]) => run(helm(), ['lint', CHART, '--strict', '--kube-version', '1.37.2', ...args]);
// helm template: helm install's client-side steps (values, schema, templates) without a cluster,
// which needs the credentials Secret named (chart-credentials.test.ts).
const template = (...args: string[]) =>
  run(helm(), [
    'template',
    'typo',
    CHART,
    '--namespace',
    'kreboot',
    '--kube-version',
    '1.37.2',
    '--set',
    'controller.credentials.existingSecret=kreboot-credentials',
    ...args,
  ]);

test("helm lint --strict accepts the defaults and kured's own values file", () => {
  for (const args of [[], ['--values', KURED_VALUES]]) {
    const result = lint(...args);
    assert.equal(result.code, 0, `helm lint ${args.join(' ')}\n${result.stdout}${result.stderr}`);
  }
});

test('helm lint --strict fails on a misspelled key, and names it', () => {
  // kured's configuration.rebootDays with the s missing: without the schema, reboots on every day.
  const result = lint('--values', valuesFile('typo', { configuration: { rebootDay: ['sa'] } }));
  assert.notEqual(result.code, 0, result.stdout);
  assert.match(result.stdout + result.stderr, /rebootDay/);
  assert.match(result.stdout + result.stderr, /[Aa]dditional property|additionalProperties|not allowed/);
});

test('helm template rejects a misspelled key, a wrong type and a wrong choice, naming each', () => {
  const cases: Array<[string, object, RegExp]> = [
    ['a misspelled controller value', { controller: { triger: 'alert' } }, /triger/],
    ['a misspelled top-level value', { tolerration: [] }, /tolerration/],
    ['a wrong type', { configuration: { concurrency: 'two' } }, /concurrency/],
    ['a wrong choice', { controller: { trigger: 'nodes' } }, /trigger/],
  ];
  for (const [what, values, key] of cases) {
    const result = template('--values', valuesFile(what.replaceAll(' ', '-'), values));
    assert.notEqual(result.code, 0, `${what} was accepted`);
    assert.match(result.stderr, key, `${what}: ${result.stderr}`);
  }
  assert.equal(template('--values', KURED_VALUES).code, 0);
});

test("kured's podSecurityPolicy.create: true fails with what to do instead", () => {
  const result = template('--set', 'podSecurityPolicy.create=true');
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /PodSecurityPolicy was removed in Kubernetes 1\.25/);
});

test('admissionPolicy.create=false fails unless admissionPolicy.acknowledgeAgentCanRebootAnyNode=true says the risk is understood', () => {
  // Without the policies any agent can write a reboot job on every other Node (issue 26 item 5).
  const refused = template('--set', 'admissionPolicy.create=false');
  assert.notEqual(refused.code, 0, 'the policies were turned off without the acknowledgement');
  assert.match(refused.stderr, /admissionPolicy\.acknowledgeAgentCanRebootAnyNode=true/);
  assert.match(refused.stderr, /any agent .* reboot every other node without a drain/);
  const acknowledged = template('--set', 'admissionPolicy.create=false', '--set', 'admissionPolicy.acknowledgeAgentCanRebootAnyNode=true');
  assert.equal(acknowledged.code, 0, acknowledged.stderr);
  assert.doesNotMatch(acknowledged.stdout, /kind: ValidatingAdmissionPolicy/);
  // What still narrows it: the agents run a job only while their node holds a slot in the lock.
  assert.match(acknowledged.stdout, /- --require-lock-slot=kreboot\/typo-kreboot-agent\n/);
  assert.match(acknowledged.stdout, /resourceNames: \[typo-kreboot-agent\]\n\s+verbs: \[get\]/);
  const withPolicies = template().stdout;
  assert.match(withPolicies, /kind: ValidatingAdmissionPolicy/);
  assert.doesNotMatch(withPolicies, /require-lock-slot/);
});

test('kustomize: the policies go only with the component whose use is the acknowledgement', () => {
  const kinds = (manifests: string) => manifests.match(/^kind: ValidatingAdmissionPolicy$/gm)?.length ?? 0;
  assert.equal(kinds(kustomize('deploy/base')), 4);
  const without = kustomize('test/integration/packaging/without-admission-policies');
  assert.equal(kinds(without), 0);
  assert.match(without, /- --require-lock-slot=kreboot\/kreboot-agent\n/);
  const lockRole = 'name: kreboot-agent-lock\n  namespace: kreboot\nrules:\n- apiGroups:\n  - apps\n  resourceNames:\n  - kreboot-agent\n';
  assert.ok(without.includes(`${lockRole}  resources:\n  - daemonsets\n  verbs:\n  - get\n`), 'the agent may read the lock DaemonSet');
  assert.match(
    readFileSync(join(ROOT, 'deploy/components/without-admission-policies/kustomization.yaml'), 'utf8'),
    /any agent [\s\S]*can write a reboot job on every other\n# Node and reboot them all at once, without a drain/,
  );
});

const KURED_6_1 = ['kured-6.1.0-values.yaml', 'kured-6.1.0-ci-values.yaml', 'kured-6.1.0-minikube-values.yaml'].map((name) =>
  join(ROOT, 'test/integration/packaging', name),
);
const rendered = (...args: string[]) => {
  const result = template(...args);
  assert.equal(result.code, 0, `helm template ${args.join(' ')}\n${result.stderr}`);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are free-form YAML
  return (loadAll(result.stdout) as any[]).filter((doc) => doc);
};

test("kured chart 6.1.0's values files (default, CI, minikube) pass the schema and render; the CI values' NodePort is kept", () => {
  for (const file of KURED_6_1) {
    const result = lint('--values', file);
    assert.equal(result.code, 0, `helm lint --values ${file}\n${result.stdout}${result.stderr}`);
  }
  const ci = rendered('--values', KURED_6_1[1]!);
  const service = ci.find((doc) => doc.kind === 'Service' && doc.metadata.name === 'kured-prometheus-endpoint');
  assert.ok(service, 'the CI values name the metrics Service');
  assert.equal(service.spec.type, 'NodePort');
  assert.equal(service.spec.ports[0].nodePort, 30000);
  // The CI values name weaveworks/kured:latest, kured's image of old: taken as unset, like kubereboot/kured.
  for (const doc of ci.filter((each) => each.kind === 'Deployment' || each.kind === 'DaemonSet'))
    assert.equal(doc.spec.template.spec.containers[0].image, 'ghcr.io/kreboot/kreboot:0.1.0', `${doc.kind} ${doc.metadata.name}`);
});

test("kured's nameOverride and fullnameOverride name the objects as in kured's chart", () => {
  const names = (docs: { kind: string; metadata: { name: string } }[]) =>
    docs.filter((doc) => doc.kind === 'Deployment' || doc.kind === 'DaemonSet').map((doc) => `${doc.kind}/${doc.metadata.name}`);
  assert.deepEqual(names(rendered()).sort(), ['DaemonSet/typo-kreboot-agent', 'Deployment/typo-kreboot-controller']);
  assert.deepEqual(names(rendered('--set', 'nameOverride=reboots')).sort(), [
    'DaemonSet/typo-reboots-agent',
    'Deployment/typo-reboots-controller',
  ]);
  assert.deepEqual(names(rendered('--set', 'fullnameOverride=kured')).sort(), ['DaemonSet/kured-agent', 'Deployment/kured-controller']);
});

test('metrics.relabelings and metricRelabelings are appended to both ServiceMonitors; the agents keep their node relabeling first', () => {
  const values = valuesFile('relabelings', {
    metrics: {
      create: true,
      relabelings: [{ targetLabel: 'cluster', replacement: 'prod-eu' }],
      metricRelabelings: [{ action: 'drop', sourceLabels: ['__name__'], regex: 'go_.*' }],
    },
  });
  const monitors = rendered('--values', values).filter((doc) => doc.kind === 'ServiceMonitor');
  assert.equal(monitors.length, 2);
  for (const monitor of monitors) {
    const endpoint = monitor.spec.endpoints[0];
    assert.deepEqual(endpoint.relabelings.at(-1), { targetLabel: 'cluster', replacement: 'prod-eu' }, monitor.metadata.name);
    assert.deepEqual(
      endpoint.metricRelabelings.at(-1),
      { action: 'drop', sourceLabels: ['__name__'], regex: 'go_.*' },
      monitor.metadata.name,
    );
  }
  const agent = monitors.find((monitor) => monitor.metadata.name.endsWith('-agent'));
  assert.deepEqual(agent.spec.endpoints[0].relabelings[0], { sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' });
});

test("the Slack values are templates, as in kured's chart", () => {
  const values = valuesFile('slack-tpl', {
    configuration: { slackHookUrl: 'https://hooks.slack.com/services/T0/B0/x', slackChannel: '{{ .Release.Name }}-reboots' },
  });
  const deployment = rendered('--values', values).find((doc) => doc.kind === 'Deployment');
  assert.ok(deployment.spec.template.spec.containers[0].args.includes('--slack-channel=typo-reboots'));
});

test('Kubernetes 1.28 and 1.29 (where kured installs): refused with the policies, installable without them once acknowledged', () => {
  const at = (version: string, ...args: string[]) =>
    run(helm(), [
      'template',
      'old',
      CHART,
      '--namespace',
      'kreboot',
      '--set',
      'controller.credentials.existingSecret=kreboot-credentials',
      '--kube-version',
      version,
      ...args,
    ]);
  const without = ['--set', 'admissionPolicy.create=false', '--set', 'admissionPolicy.acknowledgeAgentCanRebootAnyNode=true'];
  for (const version of ['1.28.3', '1.29.0']) {
    const refused = at(version);
    assert.notEqual(refused.code, 0, `${version}: rendered with admission policies it cannot have`);
    assert.match(
      refused.stderr,
      /has no ValidatingAdmissionPolicy.*admissionPolicy\.create=false and admissionPolicy\.acknowledgeAgentCanRebootAnyNode=true/,
    );
    const installed = at(version, ...without);
    assert.equal(installed.code, 0, `${version}: ${installed.stderr}`);
    assert.doesNotMatch(installed.stdout, /kind: ValidatingAdmissionPolicy/);
    assert.match(installed.stdout, /kind: DaemonSet/);
  }
  assert.match(at('1.27.0', ...without).stderr, /requires kubeVersion: >=1\.28/);
  assert.match(at('1.30.0').stdout, /kind: ValidatingAdmissionPolicy\n/, '1.30 gets the policies');
});
