// Writes the Grafana dashboard JSON from its typed source (deploy/grafana/kreboot-dashboard.ts) to
// deploy/grafana/ (for importing by hand or with kustomize) and into the Helm chart (for its
// ConfigMap). `--check` only compares and exits 1 when a file is out of date (the unit test does).
//   node scripts/build-dashboard.ts [--check]

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { dashboard } from '../deploy/grafana/kreboot-dashboard.ts';

const ROOT = join(import.meta.dirname, '..');
export const DASHBOARD_FILES = ['deploy/grafana/kreboot-dashboard.json', 'deploy/helm/kreboot/dashboards/kreboot.json'];

export function dashboardJson(): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

function main(check: boolean): number {
  const text = dashboardJson();
  let stale = 0;
  for (const file of DASHBOARD_FILES) {
    const path = join(ROOT, file);
    let current = '';
    try {
      current = readFileSync(path, 'utf8');
    } catch {
      // missing: written below, or reported as stale
    }
    if (current === text) continue;
    if (check) {
      process.stderr.write(`${file} is out of date: run node scripts/build-dashboard.ts\n`);
      stale++;
    } else {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
      process.stdout.write(`wrote ${file}\n`);
    }
  }
  return stale > 0 ? 1 : 0;
}

if (import.meta.main) process.exitCode = main(process.argv.includes('--check'));
