// The Prometheus alert gate: one instant query of ALERTS per cycle, then a verdict per node. By
// default (--alert-scope=cluster, kured's meaning) every alert blocks every node. With
// --alert-scope=node an alert whose labels name a node (--alert-node-labels) blocks only that node;
// one without a node label — or naming a node the cluster does not have, such as a Prometheus
// target's host — still blocks every node. Any failure blocks (fail closed).

import type { Logger } from 'pino';
import { nodeFromLabels } from '../alerts/node-from-labels.ts';
import type { SuppressionCheck } from '../alertmanager/suppressed-alerts.ts';
import type { PrometheusClient } from '../prometheus/prometheus-client.ts';
import { isBlockingAlert, type AlertFilterRules } from './alert-filter.ts';
import { blocked, firstTen, OPEN, type Gate, type Verdict } from './gate.ts';

export const PROMETHEUS_ALERTS_GATE = 'prometheus-alerts';

export interface AlertsGateOptions {
  readonly client: PrometheusClient;
  readonly rules: AlertFilterRules;
  readonly scope: 'node' | 'cluster';
  readonly nodeLabels: readonly string[];
  readonly log: Logger;
  /** --alert-ignore-silenced: reads which alerts Alertmanager suppresses; throws when it cannot. */
  readonly suppressed?: () => Promise<SuppressionCheck>;
}

/** kured's message shape: "2 active alerts: A, B", at most ten names. */
export function describeAlerts(names: readonly string[]): string {
  return `${names.length} active alert${names.length === 1 ? '' : 's'}: ${firstTen(names).join(', ')}`;
}

export function prometheusAlertsGate({ client, rules, scope, nodeLabels, log, suppressed }: AlertsGateOptions): Gate {
  let lastError: string | undefined; // warn when the failure starts or changes, not every cycle
  return {
    name: PROMETHEUS_ALERTS_GATE,
    async evaluate({ knownNodes }) {
      let result;
      let isSuppressed: SuppressionCheck | undefined;
      try {
        // Both asked at once; Prometheus' failure is reported first, as it was before the option.
        const [alerts, check] = await Promise.allSettled([client.query('ALERTS'), suppressed?.()]);
        if (alerts.status === 'rejected') throw new Error(`cannot read alerts from Prometheus: ${(alerts.reason as Error).message}`);
        result = alerts.value;
        if (result.resultType !== 'vector')
          throw new Error(`cannot read alerts from Prometheus: unexpected result type ${result.resultType}`);
        if (check.status === 'rejected') throw new Error(`cannot read silences from Alertmanager: ${(check.reason as Error).message}`);
        isSuppressed = check.value;
      } catch (error) {
        const reason = (error as Error).message;
        log[reason === lastError ? 'debug' : 'warn']({ gate: PROMETHEUS_ALERTS_GATE, reason }, 'gate blocked on error');
        lastError = reason;
        const verdict = blocked(PROMETHEUS_ALERTS_GATE, reason);
        return () => verdict;
      }
      if (lastError !== undefined) log.info({ gate: PROMETHEUS_ALERTS_GATE }, 'alerts readable again');
      lastError = undefined;
      const everywhere = new Set<string>();
      const byNode = new Map<string, Set<string>>();
      for (const sample of result.series) {
        if (!isBlockingAlert(sample, rules)) continue;
        if (isSuppressed?.(sample.metric)) {
          log.debug({ gate: PROMETHEUS_ALERTS_GATE, alert: sample.metric }, 'alert ignored: silenced or inhibited in Alertmanager');
          continue;
        }
        const name = sample.metric.alertname!;
        const node = scope === 'node' ? nodeFromLabels(sample.metric, nodeLabels) : undefined;
        if (node !== undefined && (knownNodes === undefined || knownNodes.has(node))) {
          let names = byNode.get(node);
          if (!names) byNode.set(node, (names = new Set()));
          names.add(name);
        } else {
          everywhere.add(name);
        }
      }
      const cache = new Map<string, Verdict>();
      return (node) => {
        let verdict = cache.get(node);
        if (!verdict) {
          const names = [...new Set([...everywhere, ...(byNode.get(node) ?? [])])].sort();
          verdict = names.length === 0 ? OPEN : blocked(PROMETHEUS_ALERTS_GATE, describeAlerts(names), undefined, firstTen(names));
          cache.set(node, verdict);
        }
        return verdict;
      };
    },
  };
}
