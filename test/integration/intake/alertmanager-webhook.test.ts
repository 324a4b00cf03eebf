// Alertmanager 0.25 itself posts to the webhook router (in a test express app), with bearer auth
// from `credentials_file`: a firing RebootRequired records a request, resolving it withdraws it,
// and a silence on RebootRequired for one node postpones that node until the silence ends.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import express from 'express';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { startMonitoring, type Monitoring } from '../../harness/monitoring.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { createAlertsRouter } from '../../../src/intake/alerts-router.ts';
import { loadWebhookAuth } from '../../../src/intake/webhook-auth.ts';
import { startFakeExporter, type FakeExporter } from '../../harness/fake-exporter.ts';
import { MemorySink } from '../../harness/intake/memory-request-sink.ts';

const RULES = `
groups:
  - name: kreboot
    interval: 1s
    rules:
      - alert: RebootRequired
        expr: kured_reboot_required > 0
`;

const dir = mkdtempSync(join(tmpdir(), 'kreboot-webhook-it-'));
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, 'am-shared-secret\n');
const wrongTokenFile = join(dir, 'wrong-token');
writeFileSync(wrongTokenFile, 'not-the-secret\n');

const sink = new MemorySink(['n1', 'n2', 'n3']);
const registry = new Registry();
let server: Server;
let exporter: FakeExporter;
let monitoring: Monitoring;

before(async () => {
  const config = {
    webhook: { auth: 'auto' as const, tokenFile, username: '', passwordFile: '', bodyLimitBytes: 1024 * 1024 },
    rebootAlert: /^RebootRequired$/,
    remediationAlert: undefined,
    alertNodeLabels: ['node', 'instance', 'kubernetes_node', 'nodename'],
  };
  const { auth, problems } = loadWebhookAuth(config.webhook);
  assert.deepEqual(problems, []);
  const app = express();
  app.use(createAlertsRouter({ config, sink, log: pino({ level: 'silent' }), registry, auth }));
  server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/alerts`;

  exporter = await startFakeExporter({ kured_reboot_required: ['node'] });
  for (const node of ['n1', 'n2', 'n3']) exporter.set('kured_reboot_required', { node }, 0);
  // Two receivers: the real one, and one with a wrong token (its 401s must change nothing).
  const alertmanagerConfig = `
route:
  receiver: kreboot
  group_by: [alertname, node]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - receiver: kreboot
      continue: true
    - receiver: intruder
receivers:
  - name: kreboot
    webhook_configs:
      - url: ${url}
        send_resolved: true
        http_config: { authorization: { credentials_file: ${tokenFile} } }
  - name: intruder
    webhook_configs:
      - url: ${url}
        send_resolved: true
        http_config: { authorization: { credentials_file: ${wrongTokenFile} } }
`;
  monitoring = await startMonitoring({ scrapeTargets: [exporter.target], rules: RULES, alertmanagerConfig });
  await monitoring.waitForTarget();
});

after(async () => {
  await monitoring?.stop();
  await exporter?.close();
  await new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
});
afterEach((t) =>
  printOnFailure(
    t,
    async () =>
      `${monitoring.logs()}\n--- sink calls ---\n${JSON.stringify(sink.calls, null, 1)}\n--- metrics ---\n${await registry.metrics()}`,
  ),
);

test('Alertmanager posts a firing RebootRequired: the node is requested; resolved: withdrawn', async () => {
  exporter.set('kured_reboot_required', { node: 'n1' }, 1);
  const request = await waitFor(() => sink.of('request', 'n1')[0], { timeoutMs: 30_000, what: 'request for n1 from Alertmanager' });
  assert.deepEqual({ kind: request.kind, alertname: request.alertname }, { kind: 'alert', alertname: 'RebootRequired' });
  assert.ok(sink.pending.has('n1'));

  exporter.set('kured_reboot_required', { node: 'n1' }, 0);
  await waitFor(() => sink.of('withdraw', 'n1')[0], { timeoutMs: 30_000, what: 'withdrawal for n1 after the alert resolved' });
  assert.equal(sink.pending.has('n1'), false);

  // The receiver with the wrong token was refused (and Alertmanager kept retrying it).
  const metrics = await registry.metrics();
  assert.match(metrics, /kreboot_webhook_requests_total\{code="401"\} [1-9]/);
  assert.match(metrics, /kreboot_webhook_requests_total\{code="200"\} [1-9]/);
});

test('a silence on RebootRequired for one node postpones that node only', async () => {
  const silenceMs = 10_000;
  const silenceId = await monitoring.addSilence({ alertname: 'RebootRequired', node: 'n2' }, silenceMs, 'postpone n2');
  const silenceEnds = Date.now() + silenceMs;
  exporter.set('kured_reboot_required', { node: 'n2' }, 1);
  exporter.set('kured_reboot_required', { node: 'n3' }, 1);

  // n3 is not silenced: it is requested.
  await waitFor(() => sink.of('request', 'n3')[0], { timeoutMs: 30_000, what: 'request for n3' });
  // n2's alert is in Alertmanager, suppressed by the silence — and no request arrived for it.
  const suppressed = await waitFor(
    async () => (await monitoring.alertmanagerAlerts()).find((a) => a.labels.node === 'n2' && a.status.state === 'suppressed'),
    { timeoutMs: 30_000, what: 'n2 alert suppressed in Alertmanager' },
  );
  assert.deepEqual(suppressed.status.silencedBy, [silenceId]);
  assert.deepEqual(sink.of('request', 'n2'), []);

  // When the silence ends, Alertmanager delivers the held alert: the request arrives then, not before.
  const request = await waitFor(() => sink.of('request', 'n2')[0], {
    timeoutMs: silenceMs + 30_000,
    what: 'request for n2 after the silence ended',
  });
  assert.ok(
    request.at >= silenceEnds - 1000,
    `request for n2 at ${new Date(request.at).toISOString()}, silence ended ${new Date(silenceEnds).toISOString()}`,
  );
  assert.deepEqual({ kind: request.kind, alertname: request.alertname }, { kind: 'alert', alertname: 'RebootRequired' });
});
