// kreboot_notifications_total{service,result}: every delivery outcome, counted as it happens
// (results: sent, retried, failed, dropped). kreboot_notification_queue_length{service} is read at
// scrape time from the queues themselves. kreboot_notification_unusable_urls counts the URLs that
// cannot be used (start-up warnings), so an alert can fire before the first message is lost.

import { Counter, Gauge, type Registry } from 'prom-client';

export type DeliveryResult = 'sent' | 'retried' | 'failed' | 'dropped';
const DELIVERY_RESULTS: readonly DeliveryResult[] = ['sent', 'retried', 'failed', 'dropped'];

export interface NotifyMetrics {
  count(service: string, result: DeliveryResult): void;
}

export function createNotifyMetrics(
  registry: Registry,
  services: readonly string[],
  unusableUrls: number,
  queueLengths: () => ReadonlyMap<string, number>,
): NotifyMetrics {
  const counter =
    (registry.getSingleMetric('kreboot_notifications_total') as Counter<'service' | 'result'> | undefined) ??
    new Counter({
      name: 'kreboot_notifications_total',
      help: 'Notification deliveries by service and result (sent, retried, failed, dropped)',
      labelNames: ['service', 'result'],
      registers: [registry],
    });
  if (!registry.getSingleMetric('kreboot_notification_queue_length')) {
    new Gauge({
      name: 'kreboot_notification_queue_length',
      help: 'Notifications waiting to be sent, by service',
      labelNames: ['service'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [service, length] of queueLengths()) this.set({ service }, length);
      },
    });
  }
  const unusable =
    (registry.getSingleMetric('kreboot_notification_unusable_urls') as Gauge | undefined) ??
    new Gauge({
      name: 'kreboot_notification_unusable_urls',
      help: 'Notification URLs that cannot be used (unsupported service or malformed; see the start-up warnings): their messages fail',
      registers: [registry],
    });
  unusable.set(unusableUrls);
  // Zero series for every configured service, so a dashboard sees 0 rather than no data.
  for (const service of new Set(services)) for (const result of DELIVERY_RESULTS) counter.inc({ service, result }, 0);
  return { count: (service, result) => counter.inc({ service, result }) };
}
