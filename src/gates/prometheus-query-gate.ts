// --prometheus-gate-query: PromQL that must return nothing for reboots to proceed (kured #619),
// e.g. `kube_deployment_status_replicas_unavailable > 0`. One query per cycle, for all nodes.
// Any series, a scalar or string result, or a failure blocks.

import type { PrometheusClient } from '../prometheus/prometheus-client.ts';
import { blocked, OPEN, type Gate } from './gate.ts';

const PROMETHEUS_QUERY_GATE = 'prometheus-query';

function describeSeries(metric: Readonly<Record<string, string>>): string {
  const name = metric.__name__ ?? '';
  const labels = Object.entries(metric)
    .filter(([k]) => k !== '__name__')
    .map(([k, v]) => `${k}="${v}"`);
  return `${name}{${labels.join(',')}}`;
}

export function prometheusQueryGate({ client, query }: { client: PrometheusClient; query: string }): Gate {
  return {
    name: PROMETHEUS_QUERY_GATE,
    async evaluate() {
      let reason: string | undefined;
      try {
        const result = await client.query(query);
        if (!('series' in result)) reason = `gate query returned a ${result.resultType} (${result.value}); it must return an empty vector`;
        else if (result.series.length > 0) {
          const shown = result.series
            .slice(0, 3)
            .map((s) => describeSeries(s.metric))
            .join(', ');
          reason = `gate query returned ${result.series.length} series: ${shown}${result.series.length > 3 ? ', …' : ''}`;
        }
      } catch (error) {
        reason = `cannot run the gate query: ${(error as Error).message}`;
      }
      const verdict = reason === undefined ? OPEN : blocked(PROMETHEUS_QUERY_GATE, reason);
      return () => verdict;
    },
  };
}
