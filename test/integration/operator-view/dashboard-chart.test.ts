// The Helm chart ships the Grafana dashboard as a ConfigMap the Grafana sidecar finds by its
// label: absent by default, present with grafanaDashboard.create, holding exactly the generated
// dashboard, and accepted by a real API server (server-side dry run).

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadAllYaml, type V1ConfigMap } from '@kubernetes/client-node';
import { startCluster } from '../../harness/cluster.ts';
import { dashboardJson } from '../../../scripts/build-dashboard.ts';
import { applyServerSide, helmTemplate } from '../../harness/packaging/cli-tools.ts';

let cluster: Awaited<ReturnType<typeof startCluster>> | undefined;
const tmp = mkdtempSync(join(tmpdir(), 'kreboot-dashboard-chart-'));

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

const dashboards = (manifests: string) =>
  (loadAllYaml(manifests) as Array<{ kind?: string; metadata?: { name?: string } }>).filter(
    (doc) => doc?.kind === 'ConfigMap' && doc.metadata?.name?.endsWith('-dashboard'),
  ) as V1ConfigMap[];

test('no dashboard ConfigMap by default', () => {
  assert.deepEqual(dashboards(helmTemplate('kreboot', 'kreboot')), []);
});

test('grafanaDashboard.create: a ConfigMap with the sidecar label and the generated dashboard, accepted by the API server', async () => {
  // Grafana's namespace, as when its sidecar watches one namespace.
  const grafanaNamespace = await cluster!.newNamespace('grafana');
  const values = join(tmp, 'values.json');
  writeFileSync(values, JSON.stringify({ grafanaDashboard: { create: true, folder: 'Infrastructure', namespace: grafanaNamespace } }));
  const manifests = helmTemplate('kreboot', 'kreboot', values);
  const [configMap, ...more] = dashboards(manifests);
  assert.equal(more.length, 0);
  assert.equal(configMap?.metadata?.labels?.grafana_dashboard, '1');
  assert.equal(configMap?.metadata?.namespace, grafanaNamespace);
  assert.equal(configMap?.metadata?.annotations?.grafana_folder, 'Infrastructure');
  assert.deepEqual(JSON.parse(configMap?.data?.['kreboot.json'] ?? '{}'), JSON.parse(dashboardJson()));

  const result = applyServerSide(cluster!.kubeconfigPath, JSON.stringify(configMap), { dryRun: true });
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.equal(result.stderr.trim(), '');
});
