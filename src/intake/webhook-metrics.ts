// Counters of the webhook: requests by status code, alerts by outcome. Created once per registry
// (a second router on the same registry reuses them instead of failing on a duplicate name).

import { Counter, type Registry } from 'prom-client';

export interface WebhookMetrics {
  request(code: number): void;
  alerts(outcome: 'accepted' | 'withdrawn' | 'ignored', count: number): void;
}

function counter(registry: Registry, name: string, help: string, labelNames: string[]): Counter {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Counter;
  return new Counter({ name, help, labelNames, registers: [registry] });
}

export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  const requests = counter(registry, 'kreboot_webhook_requests_total', 'Alertmanager webhook requests by HTTP status code', ['code']);
  const alerts = counter(
    registry,
    'kreboot_webhook_alerts_total',
    'Alerts received on the webhook by outcome (accepted, withdrawn, ignored)',
    ['outcome'],
  );
  return {
    request: (code) => requests.inc({ code: String(code) }),
    alerts: (outcome, count) => {
      if (count > 0) alerts.inc({ outcome }, count);
    },
  };
}
