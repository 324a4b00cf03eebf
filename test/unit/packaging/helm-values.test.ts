// The chart's values keep kured's chart names (a kured values file moves across), and each
// configuration.* key reaches a real flag of the role where it takes effect.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FLAGS_BY_NAME, type Role } from '../../../src/config/flags.ts';
import { readDocs, readText } from '../../harness/packaging-files.ts';

const values = readDocs('deploy/helm/kreboot/values.yaml')[0];
const helpers = readText('deploy/helm/kreboot/templates/_helpers.tpl');

// kured's chart (kubereboot/charts, charts/kured/values.yaml): top-level keys and configuration.*.
const KURED_TOP = ['image', 'revisionHistoryLimit', 'updateStrategy', 'maxUnavailable', 'podAnnotations', 'dsAnnotations', 'extraArgs', 'extraEnvVars', 'configuration', 'rbac', 'serviceAccount', 'containerSecurityContext', 'resources', 'hostNetwork', 'metrics', 'service', 'livenessProbe', 'readinessProbe', 'podLabels', 'priorityClassName', 'tolerations', 'affinity', 'nodeSelector', 'volumeMounts', 'volumes'];
const KURED_CONFIGURATION = ['useRebootSentinelHostPath', 'metricsHost', 'metricsPort', 'lockTtl', 'alertFilterRegexp', 'alertFiringOnly', 'alertFilterMatchOnly', 'blockingPodSelector', 'endTime', 'lockAnnotation', 'period', 'forceReboot', 'drainGracePeriod', 'drainPodSelector', 'drainDelay', 'drainTimeout', 'skipWaitForDeleteTimeout', 'prometheusUrl', 'rebootDays', 'rebootSentinel', 'rebootSentinelCommand', 'rebootCommand', 'rebootDelay', 'rebootMethod', 'rebootSignal', 'slackChannel', 'slackHookUrl', 'slackUsername', 'notifyUrl', 'messageTemplateDrain', 'messageTemplateReboot', 'messageTemplateUncordon', 'startTime', 'timeZone', 'annotateNodes', 'lockReleaseDelay', 'preferNoScheduleTaint', 'logFormat', 'preRebootNodeLabels', 'postRebootNodeLabels', 'concurrency'];

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

test('every value of kured\'s chart exists under the same name', () => {
  for (const key of KURED_TOP) assert.ok(key in values, `values.yaml lacks kured's ${key}`);
  for (const key of KURED_CONFIGURATION) assert.ok(key in values.configuration, `values.yaml lacks kured's configuration.${key}`);
  for (const key of ['create', 'namespace', 'labels', 'interval', 'scrapeTimeout']) assert.ok(key in values.metrics, `metrics.${key}`);
  for (const key of ['create', 'port', 'annotations', 'name', 'type']) assert.ok(key in values.service, `service.${key}`);
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
  const missing = Object.keys(values.configuration).filter((key) => !routed.has(key) && key !== 'rebootSentinel' && key !== 'useRebootSentinelHostPath');
  assert.deepEqual(missing, []);
});
