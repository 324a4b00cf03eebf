// The chart's values keep kured's chart names (kured's own values file moves across), each
// configuration.* key reaches a real flag of the role where it takes effect, and every flag of
// kreboot's own has a value of its own (not only extraArgs).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FLAGS_BY_NAME, type Role } from '../../../src/config/flags.ts';
import { readDocs, readText } from '../../harness/packaging/packaging-files.ts';

const values = readDocs('deploy/helm/kreboot/values.yaml')[0];
const helpers = readText('deploy/helm/kreboot/templates/_helpers.tpl');

// kured's chart default values (kubereboot/charts, charts/kured/values.yaml; origin in the file).
const kured = readDocs('test/integration/packaging/kured-values.yaml')[0];
// kured's objects whose keys kreboot keeps one by one; the others are Kubernetes objects taken whole.
const KURED_NESTED = ['image', 'configuration', 'rbac', 'serviceAccount', 'podSecurityPolicy', 'metrics', 'service'];

/** configuration key → flag, from a `dict "key" "flag" ...` helper of _helpers.tpl. */
function flagTable(helper: string): Map<string, string> {
  const start = helpers.indexOf(`define "${helper}"`);
  const line = helpers.slice(start, helpers.indexOf('{{- end -}}', start));
  const words = [...line.matchAll(/"([^"]+)"/g)].map((m) => m[1] ?? '').slice(1);
  const table = new Map<string, string>();
  for (let i = 0; i + 1 < words.length; i += 2) table.set(words[i] ?? '', words[i + 1] ?? '');
  return table;
}

const ROLES: [Role, Map<string, string>][] = [
  ['controller', flagTable('kreboot.controllerFlags')],
  ['agent', flagTable('kreboot.agentFlags')],
];
// kreboot's own flags, from controller.* and agent.*.
const OWN: [Role, Map<string, string>, Record<string, unknown>][] = [
  ['controller', flagTable('kreboot.controllerOwnFlags'), values.controller],
  ['agent', flagTable('kreboot.agentOwnFlags'), values.agent],
];

test("every value of kured's chart exists under the same name", () => {
  for (const key of Object.keys(kured)) assert.ok(key in values, `values.yaml lacks kured's ${key}`);
  for (const object of KURED_NESTED) {
    for (const key of Object.keys(kured[object])) assert.ok(key in values[object], `values.yaml lacks kured's ${object}.${key}`);
  }
});

test("each of kreboot's own flag values exists in values.yaml and reaches a flag of its role", () => {
  for (const [role, table, section] of OWN) {
    for (const [key, flagName] of table) {
      assert.ok(key in section, `values.yaml lacks ${role}.${key} (--${flagName})`);
      assert.ok(FLAGS_BY_NAME.get(flagName)?.roles.includes(role), `${role}.${key} → --${flagName} is not a ${role} flag`);
    }
  }
  // The chart's default trigger reboots without any Alertmanager set up (deploy/helm/kreboot/README.md).
  assert.equal(values.controller.trigger, 'node');
});

test('every flag of the controller that an operator sets has a value of its own', () => {
  // Flags the chart sets itself, or that only make sense outside a cluster.
  const chartOwned = new Set([
    'ds-namespace',
    'ds-name',
    'leader-election-namespace',
    'leader-election-id',
    'webhook-token-file',
    'webhook-username',
    'webhook-password-file',
    'admin-token-file',
    'pod-name',
    'kubeconfig',
    'leader-elect',
    'webhook-auth',
    // Set by the chart from controller.hooks (the templates, mounted from a ConfigMap).
    'pre-drain-hook-job',
    'post-reboot-hook-job',
    // Rendered from `pools` (a ConfigMap both roles mount).
    'pools-file',
  ]);
  const covered = new Set([...ROLES, ...OWN].flatMap(([role, table]) => (role === 'controller' ? [...table.values()] : [])));
  const missing = [...FLAGS_BY_NAME.values()]
    .filter((flag) => flag.roles.includes('controller') && !covered.has(flag.name) && !chartOwned.has(flag.name))
    .map((flag) => flag.name);
  assert.deepEqual(missing, [], 'controller flags reachable only through extraArgs');
});

test('each configuration key goes to a flag of the role where it takes effect', () => {
  for (const [role, table] of ROLES) {
    for (const [key, flagName] of table) {
      const flag = FLAGS_BY_NAME.get(flagName);
      assert.ok(flag, `${key} → --${flagName}: no such flag`);
      assert.ok(flag.roles.includes(role), `${key} → --${flagName} is given to the ${role}, which does not use it`);
    }
  }
});

test('every configuration key but the sentinel mount reaches some role', () => {
  // rebootSentinel and useRebootSentinelHostPath are rendered by agent-daemonset.yaml itself.
  const routed = new Set(ROLES.flatMap(([, table]) => [...table.keys()]));
  const missing = Object.keys(values.configuration).filter(
    (key) => !routed.has(key) && key !== 'rebootSentinel' && key !== 'useRebootSentinelHostPath',
  );
  assert.deepEqual(missing, []);
});
