// The node-keys and controller policies (deploy/base) agree with the code's key lists, the Helm
// copies validate the same way, and the break-glass component patches the right policy. Their
// behaviour against a real API server: test/integration/packaging/rbac-authority.test.ts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONTROLLER, AGENT, PREFIX, PAUSED_ANNOTATION, HALTED_ANNOTATION } from '../../../src/store/keys.ts';
import { readDocs, readText, type Doc } from '../../harness/packaging/packaging-files.ts';

const NODE_KEYS = 'deploy/base/node-keys-admission-policy.yaml';
const CONTROLLER_POLICIES = 'deploy/base/controller-admission-policy.yaml';

const policies = (path: string): Doc[] => readDocs(path).filter((d) => d.kind === 'ValidatingAdmissionPolicy');
const variable = (policy: Doc, name: string): string => policy.spec.variables.find((v: Doc) => v.name === name).expression;
const quoted = (expression: string) => [...expression.matchAll(/'([^']+)'/g)].map((m) => m[1] ?? '').sort();

test('every policy that names the agent keys names exactly src/store/keys.ts AGENT', () => {
  for (const policy of [...policies(NODE_KEYS), ...policies(CONTROLLER_POLICIES)].filter((p) =>
    p.spec.variables.some((v: Doc) => v.name === 'agentKeys'),
  )) {
    assert.deepEqual(quoted(variable(policy, 'agentKeys')), Object.values(AGENT).sort(), policy.metadata.name);
  }
});

test("the controller's keys are all kreboot.dev/ keys outside the agent list (so node-keys guards them)", () => {
  for (const key of [...Object.values(CONTROLLER), PAUSED_ANNOTATION, HALTED_ANNOTATION]) {
    assert.ok(key.startsWith(PREFIX), key);
    assert.ok(!(Object.values(AGENT) as string[]).includes(key), key);
  }
});

test('every policy fails closed and is bound with Deny', () => {
  for (const path of [NODE_KEYS, CONTROLLER_POLICIES]) {
    const docs = readDocs(path);
    for (const policy of docs.filter((d) => d.kind === 'ValidatingAdmissionPolicy')) {
      assert.equal(policy.spec.failurePolicy, 'Fail', policy.metadata.name);
      const binding = docs.find((d) => d.kind === 'ValidatingAdmissionPolicyBinding' && d.spec.policyName === policy.metadata.name);
      assert.deepEqual(binding?.spec.validationActions, ['Deny'], policy.metadata.name);
    }
  }
  const kustomization = readText('deploy/base/kustomization.yaml');
  for (const file of ['node-keys-admission-policy.yaml', 'controller-admission-policy.yaml'])
    assert.match(kustomization, new RegExp(`- ${file}`));
});

test('the Helm copies have the same validations as the kustomize ones', () => {
  const validations = (text: string): string[] =>
    text
      .split(/^---$/m)
      .map((doc) => {
        const start = doc.indexOf('  validations:');
        return start < 0
          ? ''
          : doc
              .slice(start)
              .replace(/^\s*#.*$/gm, '')
              .trim();
      })
      .filter((v) => v !== '');
  for (const file of ['node-keys-admission-policy.yaml', 'controller-admission-policy.yaml']) {
    const helm = validations(readText(`deploy/helm/kreboot/templates/${file}`).replace(/\n\{\{- end \}\}\n?$/, ''));
    assert.deepEqual(helm, validations(readText(`deploy/base/${file}`)), file);
  }
});

test('the break-glass component adds the group exemption to kreboot-node-keys, and the base has none', () => {
  const component = readDocs('deploy/components/break-glass/kustomization.yaml')[0];
  assert.equal(component.kind, 'Component');
  assert.equal(component.patches[0].target.name, policies(NODE_KEYS)[0].metadata.name);
  assert.match(component.patches[0].patch, /'kreboot:break-glass' in request\.userInfo\.groups/);
  assert.equal(policies(NODE_KEYS)[0].spec.matchConditions, undefined);
});

test('kreboot-node-keys names the controller and the agent in its first two variables (the renamed-namespace patch in docs/deploy.md)', () => {
  const [policy] = policies(NODE_KEYS);
  assert.deepEqual(
    policy.spec.variables.slice(0, 2).map((v: Doc) => [v.name, v.expression]),
    [
      ['controller', "'system:serviceaccount:kreboot:kreboot-controller'"],
      ['agent', "'system:serviceaccount:kreboot:kreboot-agent'"],
    ],
  );
  assert.match(
    readText('docs/deploy.md'),
    /path: \/spec\/variables\/0\/expression.*kreboot-controller'"\}\n.*path: \/spec\/variables\/1\/expression.*kreboot-agent'"\}/,
  );
});

test('the kustomize controller policies match the controller ServiceAccount in any namespace (fail closed when renamed)', () => {
  for (const policy of policies(CONTROLLER_POLICIES)) {
    const [condition] = policy.spec.matchConditions;
    assert.doesNotMatch(condition.expression, /serviceaccount:kreboot:/, policy.metadata.name);
    assert.match(
      condition.expression,
      /username\.startsWith\('system:serviceaccount:'\) &&\s+request\.userInfo\.username\.endsWith\(':kreboot-controller'\)/,
    );
  }
});
