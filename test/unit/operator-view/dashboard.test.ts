// The Grafana dashboard: the JSON files are what the typed source generates, every panel queries
// the data source variable, no two panels overlap, and every metric a query names is one kreboot
// exports (whether each query returns data is proven in test/e2e/status-page.test.ts).

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { dashboard, scopedToCluster } from '../../../deploy/grafana/kreboot-dashboard.ts';
import { DASHBOARD_FILES, dashboardJson } from '../../../scripts/build-dashboard.ts';
import { dashboardQueries } from '../../harness/operator-view/dashboard-queries.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');

it('the committed JSON (deploy/grafana and the Helm chart) is the generated dashboard', () => {
  for (const file of DASHBOARD_FILES)
    assert.equal(readFileSync(join(ROOT, file), 'utf8'), dashboardJson(), `${file} is stale: node scripts/build-dashboard.ts`);
});

it('every panel queries Prometheus through the datasource variable; ids unique; no overlap', () => {
  const panels = dashboard.panels ?? [];
  const ids = panels.map((panel) => panel.id);
  assert.equal(new Set(ids).size, ids.length);
  const cells = new Set<string>();
  for (const panel of panels) {
    const { x, y, w, h } = panel.gridPos!;
    assert.ok(x + w <= 24, `${panel.title} fits the 24-column grid`);
    for (let i = x; i < x + w; i++)
      for (let j = y; j < y + h; j++) {
        assert.ok(!cells.has(`${i},${j}`), `${panel.title} overlaps another panel at ${i},${j}`);
        cells.add(`${i},${j}`);
      }
  }
  const queries = dashboardQueries(dashboard);
  assert.ok(queries.length >= 15, `${queries.length} queries`);
  for (const query of queries) assert.deepEqual(query.datasource, { type: 'prometheus', uid: '${datasource}' }, query.panel);
  assert.equal(dashboard.templating?.list?.[0]?.name, 'datasource');
});

it('every metric the queries name is exported by kreboot', () => {
  const sources = ['src/controller/observe/metrics.ts', 'src/notify/metrics.ts', 'src/agent/metrics.ts', 'src/gates/gate-metrics.ts']
    .map((file) => readFileSync(join(ROOT, file), 'utf8'))
    .join('\n');
  const names = new Set(dashboardQueries(dashboard).flatMap((query) => query.expr.match(/\b(kreboot|kured)_[a-z_]+/g) ?? []));
  for (const name of names) {
    const base = name.replace(/_(bucket|sum|count)$/, '');
    assert.match(sources, new RegExp(`name: '${base}'`), `${name} is not a kreboot metric`);
  }
});

it('a cluster variable scopes every series of every query, so one dashboard serves several clusters', () => {
  assert.ok(dashboard.templating?.list?.some((variable) => variable.name === 'cluster' && variable.type === 'query'));
  for (const query of dashboardQueries(dashboard)) {
    const series = [...query.expr.matchAll(/\b(kreboot_[a-z0-9_]+|kured_reboot_required)(\{[^}]*\})?/g)];
    assert.ok(series.length > 0, `${query.panel}: ${query.expr}`);
    for (const [whole] of series) assert.match(whole, /\{cluster="\$cluster"/, `${query.panel}: ${whole}`);
  }
  assert.equal(
    scopedToCluster('sum(increase(kreboot_reboots_total{result="failed"}[5m])) / max(kreboot_leader)'),
    'sum(increase(kreboot_reboots_total{cluster="$cluster", result="failed"}[5m])) / max(kreboot_leader{cluster="$cluster"})',
  );
});
