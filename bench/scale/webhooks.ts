// Alertmanager's webhooks as the shipped route sends them (alertmanager/alertmanager.yml: group_by
// [alertname, node], so one node per notification, bearer credentials), and as one grouped
// notification naming every node (a route grouped by alertname only). Payloads are version 4 as
// Alertmanager 0.25 posts them (docs in /work/shared/notes: headers, fields, endsAt for firing).

import { mapLimit } from '../../src/map-limit.ts';

export type AlertStatus = 'firing' | 'resolved';

export function alertPayload(status: AlertStatus, nodes: readonly string[], startsAt: string): object {
  const single = nodes.length === 1 ? nodes[0] : undefined;
  return {
    version: '4',
    groupKey: single ? `{}/{}:{alertname="RebootRequired", node="${single}"}` : '{}/{}:{alertname="RebootRequired"}',
    truncatedAlerts: 0,
    status,
    receiver: 'kreboot',
    groupLabels: single ? { alertname: 'RebootRequired', node: single } : { alertname: 'RebootRequired' },
    commonLabels: single
      ? { alertname: 'RebootRequired', node: single, severity: 'info' }
      : { alertname: 'RebootRequired', severity: 'info' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.bench.invalid:9093',
    alerts: nodes.map((node) => ({
      status,
      labels: { alertname: 'RebootRequired', node, severity: 'info', job: 'kreboot-agent' },
      annotations: { summary: `Node ${node} needs a reboot` },
      startsAt,
      endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : new Date().toISOString(),
      generatorURL: 'http://prometheus.bench.invalid:9090/graph?g0.expr=kured_reboot_required+%3D%3D+1',
      fingerprint: Buffer.from(node).toString('hex').slice(0, 16).padEnd(16, '0'),
    })),
  };
}

export interface WebhookAnswer {
  readonly status: number;
  readonly ms: number;
  readonly bytesSent: number;
  readonly body: string;
}

export async function postWebhook(url: string, token: string, payload: object): Promise<WebhookAnswer> {
  const body = JSON.stringify(payload);
  const started = performance.now();
  try {
    const response = await fetch(`${url}/api/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'user-agent': 'Alertmanager/0.25.0' },
      body,
    });
    const text = await response.text();
    return { status: response.status, ms: performance.now() - started, bytesSent: Buffer.byteLength(body), body: text };
  } catch (error) {
    // A refused body may close the connection before the answer is read (refuseUnread).
    return {
      status: 0,
      ms: performance.now() - started,
      bytesSent: Buffer.byteLength(body),
      body: `request failed: ${(error as Error).message}${(error as { cause?: Error }).cause ? ` (${(error as { cause: Error }).cause.message})` : ''}`,
    };
  }
}

/** One one-node webhook per node, `inFlight` at a time, like Alertmanager flushing one group per node. */
export async function burst(
  url: string,
  token: string,
  status: AlertStatus,
  nodes: readonly string[],
  inFlight: number,
  startsAt: string,
): Promise<{ totalMs: number; answers: WebhookAnswer[] }> {
  const started = performance.now();
  const answers = await mapLimit(nodes, inFlight, (node) => postWebhook(url, token, alertPayload(status, [node], startsAt)));
  return { totalMs: performance.now() - started, answers };
}
