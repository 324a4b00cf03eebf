// The agent admission policy allows exactly the annotations the agent writes (src/store/keys.ts),
// and the kustomize and Helm copies of the policy validate the same way. Its behaviour against a
// real API server is tested in test/integration/packaging.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AGENT } from '../../../src/store/keys.ts';
import { findDoc, readText, type Doc } from '../../harness/packaging/packaging-files.ts';

const KUSTOMIZE = 'deploy/base/agent-admission-policy.yaml';
const HELM = 'deploy/helm/kreboot/templates/agent-admission-policy.yaml';

function agentKeys(expression: string): string[] {
  return [...expression.matchAll(/'([^']+)'/g)].map((m) => m[1] ?? '');
}

test('the policy lets the agent change exactly its own annotation keys', () => {
  const policy = findDoc(KUSTOMIZE, 'ValidatingAdmissionPolicy');
  const variable = policy.spec.variables.find((v: Doc) => v.name === 'agentKeys');
  assert.deepEqual(agentKeys(variable.expression).sort(), Object.values(AGENT).sort());
});

test('the policy binds with Deny and fails closed', () => {
  const policy = findDoc(KUSTOMIZE, 'ValidatingAdmissionPolicy');
  const binding = findDoc(KUSTOMIZE, 'ValidatingAdmissionPolicyBinding');
  assert.equal(policy.spec.failurePolicy, 'Fail');
  assert.equal(binding.spec.policyName, policy.metadata.name);
  assert.deepEqual(binding.spec.validationActions, ['Deny']);
});

test("the Helm chart's policy has the same variables and validations as the kustomize one", () => {
  const section = (text: string): string => {
    const start = text.indexOf('  variables:');
    const end = text.indexOf('---', start);
    return text
      .slice(start, end)
      .replace(/^\s*#.*$/gm, '')
      .trim();
  };
  assert.equal(section(readText(HELM)), section(readText(KUSTOMIZE)));
});

test('the policy matches the agent ServiceAccount of the manifests', () => {
  const policy = findDoc(KUSTOMIZE, 'ValidatingAdmissionPolicy');
  const account = findDoc('deploy/base/agent-rbac.yaml', 'ServiceAccount');
  const daemonSet = findDoc('deploy/base/agent-daemonset.yaml', 'DaemonSet');
  assert.equal(daemonSet.spec.template.spec.serviceAccountName, account.metadata.name);
  assert.match(policy.spec.matchConditions[0].expression, new RegExp(`endsWith\\(':${account.metadata.name}'\\)`));
});
