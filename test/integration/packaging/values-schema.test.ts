// Helm applies values.schema.json: `helm lint --strict` and `helm template` reject a misspelled or
// mistyped value and name it, and accept kured's own values file as it is. (`helm install` against
// a real API server: kured-values.test.ts.)

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CHART } from './chart-install.ts';
import { helm, kustomize, ROOT, run } from './tools.ts';

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
