// The dashboard's queries as Grafana would send them to Prometheus, and a runner that sends them to
// a real one: Grafana's variables are replaced the way Grafana does for the chosen time range
// ($__range: the range; $__rate_interval: at least four scrape intervals; $cluster: empty, one
// cluster's Prometheus having no cluster label), time series panels
// are range queries and stat/bar gauge panels instant ones at the end of the range.

import type { Dashboard } from '@grafana/schema';

export interface DashboardQuery {
  readonly panel: string;
  readonly refId: string;
  readonly expr: string;
  readonly legendFormat: string;
  readonly instant: boolean;
  readonly datasource: unknown;
}

export function dashboardQueries(dashboard: Dashboard): DashboardQuery[] {
  const out: DashboardQuery[] = [];
  for (const panel of dashboard.panels ?? []) {
    if (panel.type === 'row') continue;
    for (const target of (panel as { targets?: Array<Record<string, unknown>> }).targets ?? []) {
      out.push({
        panel: panel.title ?? '',
        refId: String(target.refId),
        expr: String(target.expr),
        legendFormat: String(target.legendFormat ?? ''),
        instant: target.instant === true,
        datasource: target.datasource,
      });
    }
  }
  return out;
}

export interface QueryResult {
  readonly query: DashboardQuery;
  readonly promql: string;
  /** Series returned, and samples with a finite value among them. */
  readonly series: number;
  readonly finiteSamples: number;
  readonly error?: string;
}

/** Runs each query over [start, end]; `scrapeSeconds` is Prometheus' scrape interval. */
export async function runDashboardQueries(
  prometheusUrl: string,
  queries: readonly DashboardQuery[],
  range: { start: Date; end: Date; scrapeSeconds: number },
): Promise<QueryResult[]> {
  const rangeSeconds = Math.max(1, Math.ceil((range.end.getTime() - range.start.getTime()) / 1000));
  const step = Math.max(1, Math.ceil(rangeSeconds / 300));
  const rateInterval = Math.max(4 * range.scrapeSeconds, step + range.scrapeSeconds);
  const results: QueryResult[] = [];
  for (const query of queries) {
    // One cluster's Prometheus: the cluster variable has no value, as in Grafana.
    const promql = query.expr
      .replaceAll('$__rate_interval', `${rateInterval}s`)
      .replaceAll('$__range', `${rangeSeconds}s`)
      .replaceAll('$cluster', '');
    const params = new URLSearchParams({ query: promql });
    if (query.instant) params.set('time', String(range.end.getTime() / 1000));
    else {
      params.set('start', String(range.start.getTime() / 1000));
      params.set('end', String(range.end.getTime() / 1000));
      params.set('step', `${step}s`);
    }
    const response = await fetch(`${prometheusUrl}/api/v1/${query.instant ? 'query' : 'query_range'}?${params}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data?: { result: Array<{ value?: [number, string]; values?: Array<[number, string]> }> };
    };
    if (body.status !== 'success') {
      results.push({ query, promql, series: 0, finiteSamples: 0, error: body.error ?? `HTTP ${response.status}` });
      continue;
    }
    const series = body.data?.result ?? [];
    const samples = series.flatMap((s) => (s.values ?? (s.value ? [s.value] : [])).map(([, v]) => Number(v)));
    results.push({ query, promql, series: series.length, finiteSamples: samples.filter((v) => Number.isFinite(v)).length });
  }
  return results;
}
