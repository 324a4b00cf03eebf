// Smoke test of the monitoring harness: real Prometheus scrapes a local /metrics endpoint, a rule
// fires, and real Alertmanager posts the alert to a local receiver; a silence holds it back.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, it } from 'node:test';
import { startHttpSink, type HttpSink } from '../../harness/http-sink.ts';
import { startMonitoring, type Monitoring } from '../../harness/monitoring.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { waitFor } from '../../harness/wait-for.ts';

const RULES = `
groups:
  - name: smoke
    interval: 1s
    rules:
      - alert: SmokeAlert
        expr: kreboot_smoke_value == 1
        for: 0s
        labels: { severity: info }
        annotations: { summary: "smoke value is one" }
`;

function alertmanagerConfig(receiverUrl: string): string {
  return `
route:
  receiver: sink
  group_by: [alertname]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: sink
    webhook_configs:
      - url: ${receiverUrl}/hook
        send_resolved: true
`;
}

interface WebhookBody {
  status: string;
  alerts: Array<{ status: string; labels: Record<string, string> }>;
}

describe('monitoring harness', () => {
  let value = 0;
  const metrics = createServer((_req, res) => {
    res
      .writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
      .end(`# TYPE kreboot_smoke_value gauge\nkreboot_smoke_value ${value}\n`);
  });
  let sink: HttpSink;
  let monitoring: Monitoring;

  before(async () => {
    await new Promise<void>((resolve) => metrics.listen(0, '127.0.0.1', resolve));
    sink = await startHttpSink();
    monitoring = await startMonitoring({
      scrapeTargets: [`127.0.0.1:${(metrics.address() as AddressInfo).port}`],
      rules: RULES,
      alertmanagerConfig: alertmanagerConfig(sink.url),
    });
    await monitoring.waitForTarget();
  });

  afterEach((t) => printOnFailure(t, () => monitoring.logs()));

  after(async () => {
    await monitoring?.stop();
    await sink?.close();
    metrics.close();
  });

  it('scrapes the local /metrics endpoint', async () => {
    const response = await fetch(`${monitoring.prometheusUrl}/api/v1/query?query=kreboot_smoke_value`);
    const body = (await response.json()) as { data: { result: Array<{ value: [number, string] }> } };
    assert.equal(body.data.result[0]?.value[1], '0');
  });

  it('delivers a firing alert to the receiver, and its resolution', async () => {
    value = 1;
    await monitoring.waitForAlert('SmokeAlert', 'firing');
    const firing = await sink.waitForRequest((r) => r.json<WebhookBody>()?.status === 'firing', { timeoutMs: 30_000 });
    assert.equal(firing.method, 'POST');
    assert.equal(firing.path, '/hook');
    assert.match(String(firing.headers['user-agent']), /^Alertmanager\//);
    assert.equal(firing.json<WebhookBody>()?.alerts[0]?.labels.alertname, 'SmokeAlert');

    value = 0;
    const resolved = await sink.waitForRequest((r) => r.json<WebhookBody>()?.status === 'resolved', { timeoutMs: 30_000 });
    assert.equal(resolved.json<WebhookBody>()?.alerts[0]?.status, 'resolved');
  });

  it('holds back a silenced alert until the silence expires', async () => {
    const id = await monitoring.addSilence({ alertname: 'SmokeAlert' }, 10 * 60_000);
    sink.clear();
    value = 1;
    await monitoring.waitForAlert('SmokeAlert', 'firing');
    await waitFor(
      async () =>
        (await monitoring.alertmanagerAlerts()).some(
          (a) => a.labels.alertname === 'SmokeAlert' && a.status.state === 'suppressed' && a.status.silencedBy.includes(id),
        ),
      { what: 'SmokeAlert silenced in Alertmanager' },
    );
    assert.equal(sink.received('/hook').length, 0, 'a silenced alert was delivered');
    await monitoring.expireSilence(id);
    await sink.waitForRequest((r) => r.json<WebhookBody>()?.status === 'firing', { timeoutMs: 30_000 });
    value = 0;
  });
});
