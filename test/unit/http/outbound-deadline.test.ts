// Issue 26 item 10: the Prometheus and Alertmanager clients' timeout is a deadline for the whole
// call, not an idle timeout. Against a server that sends one byte every 200 ms (so no gap ever
// reaches the 1 s timeout) for 20 s, each call must fail soon after its 1 s, long before the body
// would end. The bound asserted is generous (a third of the trickle), never a tight timing.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTrickleServer, type TrickleServer } from '../../harness/trickle-server.ts';
import { createAlertmanagerClient } from '../../../src/alertmanager/alertmanager-client.ts';
import { createPrometheusClient } from '../../../src/prometheus/prometheus-client.ts';

const TIMEOUT_MS = 1000;
const none = { bearerTokenFile: '', username: '', passwordFile: '', caFile: '', timeoutMs: TIMEOUT_MS };

let server: TrickleServer;
before(async () => {
  server = await startTrickleServer({ intervalMs: 200, bytes: 100 });
});
after(() => server.close());

/** Runs `call`, which must fail; returns how long it took and its message. */
async function failingCall(call: () => Promise<unknown>): Promise<{ ms: number; message: string }> {
  const started = performance.now();
  const error = await call().then(
    () => assert.fail('the call should have failed at its deadline'),
    (err: unknown) => err as Error,
  );
  return { ms: performance.now() - started, message: error.message };
}

test('a Prometheus query against a trickling server fails at its deadline, not when the body ends', async () => {
  const { client } = createPrometheusClient({ ...none, url: new URL(server.url) });
  const { ms, message } = await failingCall(() => client.query('ALERTS'));
  assert.ok(ms < server.fullBodyMs / 3, `ended after ${Math.round(ms)} ms; the trickle lasts ${server.fullBodyMs} ms`);
  assert.match(message, /Prometheus .* unreachable: .*1000 ?ms/);
});

for (const [what, call] of [
  ['listing silences', (c: ReturnType<typeof createAlertmanagerClient>['client']) => c.silences()],
  ['listing alerts', (c: ReturnType<typeof createAlertmanagerClient>['client']) => c.alerts()],
  ['expiring a silence', (c: ReturnType<typeof createAlertmanagerClient>['client']) => c.expireSilence('abc')],
] as const) {
  test(`Alertmanager ${what} against a trickling server fails at its deadline`, async () => {
    const { client } = createAlertmanagerClient({ ...none, url: new URL(server.url) });
    const { ms, message } = await failingCall(() => call(client));
    assert.ok(ms < server.fullBodyMs / 3, `ended after ${Math.round(ms)} ms; the trickle lasts ${server.fullBodyMs} ms`);
    assert.match(message, /Alertmanager .* unreachable: .*1000 ?ms/);
  });
}
