// The Prometheus Operator copies of alertmanager/ (PrometheusRule, AlertmanagerConfig) say what the
// plain files say, the chart ships the same rules file, the rules use only metrics kreboot exports,
// and the receiver posts to the controller Service that deploy/ creates.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findDoc, readDocs, readText, type Doc } from '../../harness/packaging/packaging-files.ts';

const rules = readDocs('alertmanager/rules.yaml')[0];
const amConfig = readDocs('alertmanager/alertmanager.yml')[0];

test('the PrometheusRule holds alertmanager/rules.yaml, plus only the namespace label the Operator routes by', () => {
  const cr = findDoc('deploy/components/monitoring/prometheus-rule.yaml', 'PrometheusRule');
  const groups = structuredClone(cr.spec.groups);
  for (const group of groups) for (const rule of group.rules) delete rule.labels.namespace;
  assert.deepEqual(groups, rules.groups);
  assert.equal(cr.spec.groups[0].rules[0].labels.namespace, cr.metadata.namespace);
});

test("the chart's files/rules.yaml is alertmanager/rules.yaml", () => {
  assert.equal(readText('deploy/helm/kreboot/files/rules.yaml'), readText('alertmanager/rules.yaml'));
});

test('every metric the rules read is one kreboot exports', () => {
  // The metric names the code registers (prom-client's `name: '...'`).
  const exported = new Set(
    ['src/agent/metrics.ts', 'src/controller/observe/metrics.ts', 'src/notify/metrics.ts'].flatMap((file) =>
      [...readText(file).matchAll(/name: '((?:kreboot|kured)_[a-z_]+)'/g)].map((m) => m[1]),
    ),
  );
  assert.ok(exported.has('kured_reboot_required'));
  const exprs = rules.groups.flatMap((group: Doc) => group.rules.map((rule: Doc) => [rule.alert, rule.expr]));
  assert.ok(exprs.length >= 5);
  for (const [alert, expr] of exprs) {
    const used = [...String(expr).matchAll(/\b((?:kreboot|kured)_[a-z_]+)\b/g)].map((m) => m[1]);
    assert.ok(used.length > 0, `${alert} reads no kreboot metric`);
    for (const name of used) assert.ok(exported.has(name), `${alert} reads ${name}, which nothing exports`);
  }
});

test('RebootRequired keeps exactly the node label and waits one minute before firing', () => {
  const rule = rules.groups[0].rules.find((r: Doc) => r.alert === 'RebootRequired');
  assert.match(rule.expr, /max by \(node\) \(kured_reboot_required\)/);
  assert.equal(rule.for, '1m');
});

test('the shipped latency values agree: rule `for`, group_wait and scrape interval in the files, the kustomize component and the chart', () => {
  // docs/performance.md computes the alert path's latency from these; a change must change them all.
  const values = readDocs('deploy/helm/kreboot/values.yaml')[0];
  assert.equal(values.prometheusRule.for, '1m');
  const route = amConfig.route.routes.find((r: Doc) => r.receiver === 'kreboot');
  const cr = findDoc('deploy/components/monitoring/alertmanager-config.yaml', 'AlertmanagerConfig');
  assert.deepEqual([route.group_wait, cr.spec.route.groupWait, values.alertmanagerConfig.groupWait], ['0s', '0s', '0s']);
  assert.deepEqual([route.group_interval, cr.spec.route.groupInterval, values.alertmanagerConfig.groupInterval], ['5m', '5m', '5m']);
  assert.deepEqual([route.repeat_interval, cr.spec.route.repeatInterval, values.alertmanagerConfig.repeatInterval], ['1h', '1h', '1h']);
  const monitors = readDocs('deploy/components/monitoring/service-monitors.yaml');
  for (const monitor of monitors) assert.equal(monitor.spec.endpoints[0].interval, values.metrics.interval);
  assert.equal(values.metrics.interval, '60s');
});

test('the receiver posts to the controller Service with a bearer token from a file and resolved notifications', () => {
  const route = amConfig.route.routes.find((r: Doc) => r.receiver === 'kreboot');
  assert.deepEqual(route.matchers, ['alertname = "RebootRequired"']);
  const hook = amConfig.receivers.find((r: Doc) => r.name === 'kreboot').webhook_configs[0];
  assert.equal(hook.send_resolved, true);
  assert.equal(hook.http_config.authorization.type, 'Bearer');
  assert.ok(hook.http_config.authorization.credentials_file);
  assert.equal(hook.http_config.authorization.credentials, undefined, 'the token must come from a file, not the config');

  const service = findDoc('deploy/base/controller-service.yaml', 'Service', 'kreboot-controller');
  const url = new URL(hook.url);
  assert.equal(url.hostname, `${service.metadata.name}.${service.metadata.namespace}.svc`);
  assert.equal(Number(url.port), service.spec.ports[0].port);
  assert.equal(url.pathname, '/api/v1/alerts');
});

test("the AlertmanagerConfig routes and authenticates like alertmanager.yml, with the controller's own Secret", () => {
  const cr = findDoc('deploy/components/monitoring/alertmanager-config.yaml', 'AlertmanagerConfig');
  const route = amConfig.route.routes.find((r: Doc) => r.receiver === 'kreboot');
  assert.deepEqual(cr.spec.route.matchers, [{ name: 'alertname', value: 'RebootRequired', matchType: '=' }]);
  assert.deepEqual(cr.spec.route.groupBy, route.group_by);
  const hook = amConfig.receivers.find((r: Doc) => r.name === 'kreboot').webhook_configs[0];
  const crHook = cr.spec.receivers[0].webhookConfigs[0];
  assert.equal(crHook.url, hook.url);
  assert.equal(crHook.sendResolved, true);
  // The same Secret the controller's --webhook-token-file is mounted from.
  const deployment = findDoc('deploy/base/controller-deployment.yaml', 'Deployment');
  const secretVolume = deployment.spec.template.spec.volumes.find((v: Doc) => v.secret !== undefined);
  assert.deepEqual(crHook.httpConfig.authorization.credentials, { name: secretVolume.secret.secretName, key: 'webhook-token' });
  assert.ok(deployment.spec.template.spec.containers[0].args.includes('--webhook-token-file=/etc/kreboot/credentials/webhook-token'));
});

test('every rule links its runbook: a section of docs/runbooks.md', () => {
  const page = readText('docs/runbooks.md');
  const anchors = new Set(
    [...page.matchAll(/^## (.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, '')
        .replace(/ /g, '-'),
    ),
  );
  const alerts = rules.groups.flatMap((group: Doc) => group.rules.map((rule: Doc) => rule));
  for (const rule of alerts) {
    const url = String(rule.annotations?.runbook_url ?? '');
    const match = /^https:\/\/github\.com\/kreboot\/kreboot\/blob\/main\/docs\/runbooks\.md#([a-z0-9-]+)$/.exec(url);
    assert.ok(match, `${rule.alert}: runbook_url ${url}`);
    assert.ok(anchors.has(match[1]!), `${rule.alert}: no section #${match[1]} in docs/runbooks.md`);
  }
  assert.ok(alerts.some((rule: Doc) => rule.alert === 'KrebootNoLeader'));
  assert.ok(alerts.some((rule: Doc) => rule.alert === 'KrebootRebootPending'));
});
