// The alertmanager/ files drive a real reboot: the agent's kured_reboot_required is scraped by a
// real Prometheus loading alertmanager/rules.yaml, RebootRequired goes through a real Alertmanager
// configured by alertmanager/alertmanager.yml to the controller's webhook with the bearer token from
// a file, and the controller (manifests' identity, rig.ts) reboots the node. Only what cannot hold
// on loopback is changed: the receiver URL and token path, and the waits (`for`, group timers).

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dump, load } from 'js-yaml';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { startMonitoring, type Monitoring } from '../../harness/monitoring.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { createRig, type Rig } from '../../harness/packaging/deployed-roles.ts';
import { applyServerSide, deleteManifests, kustomize, ROOT } from '../../harness/packaging/cli-tools.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form YAML
type Yaml = any;

const base = kustomize('deploy/base');
let cluster: Cluster;
let rig: Rig | undefined;
let monitoring: Monitoring | undefined;

function rulesForTest(): string {
  const rules = load(readFileSync(join(ROOT, 'alertmanager/rules.yaml'), 'utf8')) as Yaml;
  const rule = rules.groups[0].rules.find((r: Yaml) => r.alert === 'RebootRequired');
  assert.equal(rule.for, '1m');
  rule.for = '0s';
  return dump(rules);
}

function alertmanagerForTest(controllerUrl: string, tokenFile: string): string {
  const config = load(readFileSync(join(ROOT, 'alertmanager/alertmanager.yml'), 'utf8')) as Yaml;
  const route = config.route.routes.find((r: Yaml) => r.receiver === 'kreboot');
  Object.assign(route, { group_wait: '1s', group_interval: '1s' });
  const hook = config.receivers.find((r: Yaml) => r.name === 'kreboot').webhook_configs[0];
  assert.equal(new URL(hook.url).pathname, '/api/v1/alerts');
  hook.url = `${controllerUrl}/api/v1/alerts`;
  hook.http_config.authorization.credentials_file = tokenFile;
  return dump(config);
}

before(async () => {
  cluster = await startCluster();
  const result = applyServerSide(cluster.kubeconfigPath, base);
  assert.equal(result.code, 0, result.stderr);
});

after(async () => {
  await rig?.stop();
  await monitoring?.stop();
  if (cluster) deleteManifests(cluster.kubeconfigPath, base);
  await cluster?.stop();
});

test('RebootRequired from alertmanager/rules.yaml, routed by alertmanager/alertmanager.yml, reboots the node', async (t) => {
  rig = await createRig(cluster);
  const r = rig;
  t.after(() => printOnFailure(t, async () => `${await r.report()}\n--- monitoring\n${monitoring?.logs() ?? ''}`));
  r.start();
  monitoring = await startMonitoring({
    scrapeTargets: [r.agentMetrics],
    rules: rulesForTest(),
    alertmanagerConfig: alertmanagerForTest(r.controllerUrl, r.webhookTokenFile),
  });
  await monitoring.waitForTarget({ timeoutMs: 60_000 });

  writeFileSync(r.sentinel, '');
  await monitoring.waitForAlert('RebootRequired', 'firing', { timeoutMs: 60_000 });
  // Alertmanager authenticated with the token file, and the controller accepted the alert.
  const metric = (text: string, series: string) =>
    Number(new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  const scrape = async () => (await fetch(`${r.controllerUrl}/metrics`)).text();
  await waitFor(async () => metric(await scrape(), 'kreboot_webhook_alerts_total{outcome="accepted"}') >= 1, {
    timeoutMs: 60_000,
    what: 'the controller to accept RebootRequired',
  });
  const done = await r.waitRebooted();
  assert.equal(done.metadata?.annotations?.['kreboot.dev/boot-id'], 'boot-after');
  // The sentinel is gone, so the alert resolves.
  await monitoring.waitForAlert('RebootRequired', 'inactive', { timeoutMs: 60_000 });
  // The resolved notification follows (send_resolved: true), also authenticated.
  const accepted = (text: string) =>
    metric(text, 'kreboot_webhook_requests_total{code="200"}') + metric(text, 'kreboot_webhook_requests_total{code="202"}');
  const text = await waitFor(
    async () => {
      const current = await scrape();
      return accepted(current) >= 2 ? current : undefined;
    },
    { timeoutMs: 60_000, what: 'the firing and the resolved notification' },
  );
  assert.equal(metric(text, 'kreboot_webhook_requests_total{code="401"}'), 0, 'Alertmanager was refused');
  assert.doesNotMatch(r.processes.find((p) => p.name === 'controller')?.tail(1000) ?? '', /forbidden/i);
});
