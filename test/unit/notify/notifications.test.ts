// The delivery machinery with a scripted transport: order, retries and their limits, the bounded
// queue, blocked de-duplication, metrics, shutdown, and logs free of secrets.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { buildNotifiers } from '../../../src/notify/build-notifiers.ts';
import { createNotifications } from '../../../src/notify/create-notifications.ts';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../../src/notify/http-transport.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { memoryLogger } from '../../harness/memory-log.ts';
import { notifyConfig } from '../../harness/notify/notify-config.ts';
import { recordingTransport } from '../../harness/notify/recording-transport.ts';

const HOOK = 'slack://hook:T01ABCDEF9-B02GHIJKL8-abcdefghijklmnopqrstuvwx@webhook';
const NTFY = 'ntfy://:tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2@ntfy.example.com/reboots';
const fast = { maxAttempts: 3, backoffBaseMs: 1, backoffMaxMs: 5 };
const status = (code: number, headers: Record<string, string> = {}, body = ''): HttpResponse => ({ status: code, headers, body });

async function metric(registry: Registry, service: string, result: string): Promise<number> {
  const json = await registry.getSingleMetricAsString('kreboot_notifications_total');
  const line = json.split('\n').find((l) => l.includes(`service="${service}"`) && l.includes(`result="${result}"`));
  return Number(line?.split(' ').pop() ?? NaN);
}

function setup(urls: string[], transport: HttpTransport, policy = {}) {
  const { log, lines } = memoryLogger();
  const registry = new Registry();
  const n = createNotifications({
    config: notifyConfig({ urls }),
    log,
    registry,
    transport,
    policy: { ...fast, ...policy },
    random: () => 0.5,
  });
  return { n, registry, lines };
}

test('every service gets every message, in order, and notify() returns before anything is sent', async () => {
  const transport = recordingTransport();
  const { n, registry } = setup([HOOK, NTFY], transport);
  n.notify({ kind: 'drain', node: 'n1' });
  n.notify({ kind: 'reboot', node: 'n1' });
  n.notify({ kind: 'uncordon', node: 'n1' });
  assert.equal(transport.requests.length, 0, 'notify() must not send synchronously');
  assert.equal(await n.drain(5000), true);
  const texts = (host: string) =>
    transport.requests
      .filter((r) => r.url.includes(host))
      .map((r) => (r.url.includes('slack') ? (JSON.parse(r.body) as { text: string }).text : r.body));
  const expected = ['Draining node n1', 'Rebooting node n1', 'Node n1 rebooted & uncordoned successfully!'];
  assert.deepEqual(texts('hooks.slack.com'), expected);
  assert.deepEqual(texts('ntfy.example.com'), expected);
  assert.equal(await metric(registry, 'slack', 'sent'), 3);
  assert.equal(await metric(registry, 'ntfy', 'sent'), 3);
  assert.equal(await metric(registry, 'slack', 'failed'), 0);
  await n.close();
});

test('5xx and connection failures are retried, then the message is sent', async () => {
  const transport = recordingTransport([
    status(503),
    new (await import('../../../src/notify/delivery-error.ts')).DeliveryError('connection failed (ECONNREFUSED)', { retryable: true }),
    status(200, {}, 'ok'),
  ]);
  const { n, registry } = setup([HOOK], transport);
  n.notify({ kind: 'drain', node: 'n1' });
  assert.equal(await n.drain(5000), true);
  assert.equal(transport.requests.length, 3);
  assert.equal(await metric(registry, 'slack', 'retried'), 2);
  assert.equal(await metric(registry, 'slack', 'sent'), 1);
  await n.close();
});

test('a 429 with Retry-After is retried after the wait', async () => {
  const transport = recordingTransport([status(429, { 'retry-after': '0' }), status(200)]);
  const { n, registry } = setup([HOOK], transport);
  n.notify({ kind: 'drain', node: 'n1' });
  assert.equal(await n.drain(5000), true);
  assert.equal(transport.requests.length, 2);
  assert.equal(await metric(registry, 'slack', 'sent'), 1);
  await n.close();
});

test('a wait longer than allowed, a 4xx, or exhausted attempts fail the message with a warning', async (t) => {
  for (const [name, answers, requests] of [
    ['Retry-After too long', [status(429, { 'retry-after': '3600' })], 1],
    ['4xx', [status(400, {}, 'invalid_payload')], 1],
    ['attempts exhausted', [status(500)], 3],
  ] as const) {
    await t.test(name, async () => {
      const transport = recordingTransport([...answers]);
      const { n, registry, lines } = setup([HOOK], transport);
      n.notify({ kind: 'halted', node: 'n4', reason: 'node did not come back' });
      assert.equal(await n.drain(5000), true);
      assert.equal(transport.requests.length, requests);
      assert.equal(await metric(registry, 'slack', 'failed'), 1);
      assert.ok(
        lines.some((l) => l.includes('"level":40') && l.includes('"node":"n4"')),
        'a warning names the node',
      );
      assert.match(n.status()[0]?.lastError ?? '', /^HTTP (429|400|500)/);
      await n.close();
    });
  }
});

test('a full queue drops the oldest waiting message and says so', async () => {
  let release: (value: HttpResponse) => void = () => {};
  const sent: HttpRequest[] = [];
  const transport: HttpTransport = {
    request(request) {
      sent.push(request);
      return sent.length === 1
        ? new Promise((resolve) => {
            release = resolve;
          })
        : Promise.resolve(status(200));
    },
  };
  const { n, registry, lines } = setup([NTFY], transport, { capacity: 2 });
  n.notify({ kind: 'reboot', node: 'n0' });
  await new Promise((resolve) => setImmediate(resolve));
  for (const node of ['n1', 'n2', 'n3']) n.notify({ kind: 'drain', node });
  release(status(200));
  assert.equal(await n.drain(5000), true);
  assert.deepEqual(
    sent.map((r) => r.body),
    ['Rebooting node n0', 'Draining node n2', 'Draining node n3'],
  );
  assert.equal(await metric(registry, 'ntfy', 'dropped'), 1);
  assert.ok(lines.some((l) => l.includes('notification dropped') && l.includes('queue full') && l.includes('"node":"n1"')));
  await n.close();
});

test('identical consecutive blocked messages for a node are sent once', async () => {
  const transport = recordingTransport();
  const { n } = setup([NTFY], transport);
  n.notify({ kind: 'blocked', node: 'n1', reason: 'outside the maintenance window' });
  n.notify({ kind: 'blocked', node: 'n1', reason: 'outside the maintenance window' });
  n.notify({ kind: 'blocked', node: 'n2', reason: 'outside the maintenance window' });
  n.notify({ kind: 'blocked', node: 'n1', reason: 'alert X firing' });
  n.notify({ kind: 'drain', node: 'n1' });
  n.notify({ kind: 'blocked', node: 'n1', reason: 'alert X firing' });
  assert.equal(await n.drain(5000), true);
  assert.deepEqual(
    transport.requests.map((r) => r.body),
    [
      '2 nodes are waiting to reboot: outside the maintenance window (n1, n2)',
      'Node n1 is waiting to reboot: alert X firing',
      'Draining node n1',
      'Node n1 is waiting to reboot: alert X firing',
    ],
  );
  await n.close();
});

test('patch night: the blocked messages of many nodes held at once go out as one per reason, naming the first ten', async () => {
  const transport = recordingTransport();
  const { n } = setup([NTFY], transport);
  const nodes = Array.from({ length: 40 }, (_, i) => `worker-${i + 1}`);
  for (const node of nodes) n.notify({ kind: 'blocked', node, reason: 'maintenance-window: outside the maintenance window' });
  n.notify({ kind: 'blocked', node: 'db-1', reason: 'blocking-pods: pod db/primary-0 matches app=db' });
  // Nothing goes out at once: the messages are gathered for a moment, then sent without any other event.
  assert.equal(transport.requests.length, 0);
  await waitFor(() => transport.requests.length === 2, { what: 'the gathered messages sent' });
  assert.deepEqual(
    transport.requests.map((r) => r.body),
    [
      `40 nodes are waiting to reboot: maintenance-window: outside the maintenance window (${nodes.slice(0, 10).join(', ')} and 30 more)`,
      'Node db-1 is waiting to reboot: blocking-pods: pod db/primary-0 matches app=db',
    ],
  );
  // Each node was told once: the same kind of reason again is not news.
  for (const node of nodes) n.notify({ kind: 'blocked', node, reason: 'maintenance-window: outside the maintenance window' });
  assert.equal(await n.drain(5000), true);
  assert.equal(transport.requests.length, 2);
  await n.close();
});

test('close() ends retries at once, drops what waits, and later notify() calls are ignored', async () => {
  const transport = recordingTransport([status(503)]);
  const { n, registry } = setup([NTFY], transport, { maxAttempts: 10, backoffBaseMs: 60_000, backoffMaxMs: 60_000 });
  n.notify({ kind: 'drain', node: 'n1' });
  n.notify({ kind: 'reboot', node: 'n1' });
  await waitFor(() => transport.requests.length === 1, {
    timeoutMs: 5000,
    what: 'the first notification sent (and failed, to be retried in a minute)',
  });
  await n.close(10);
  n.notify({ kind: 'uncordon', node: 'n1' });
  assert.equal(await metric(registry, 'ntfy', 'dropped'), 2);
  assert.equal(transport.requests.length, 1);
});

test('logs and status never contain the URL or its token, even when the service echoes it', async () => {
  const token = 'tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2';
  const transport = recordingTransport([status(401, {}, `{"error":"token ${token} is not authorised"}`)]);
  const { n, lines } = setup([NTFY], transport);
  n.notify({ kind: 'drain', node: 'n1' });
  assert.equal(await n.drain(5000), true);
  await n.close();
  const everything = lines.join('\n') + JSON.stringify(n.status());
  assert.ok(everything.includes('[redacted]'), 'the echoed token was replaced');
  assert.ok(!everything.includes(token) && !everything.includes('reboots'), everything);
});

test('every bad URL is reported at once, as a warning each (main never exits over one)', () => {
  const problems = buildNotifiers(notifyConfig({ urls: ['discord://x', NTFY, 'teams://a@b'], slackHookUrl: 'https://example.com/x' }), {
    transport: recordingTransport(),
    now: Date.now,
  }).warnings.map((w) => w.problem);
  assert.equal(problems.length, 3);
  assert.match(problems[0] ?? '', /^--slack-hook-url: /);
  assert.match(problems[1] ?? '', /^--notify-url #1 \(discord:\/\/…\): /);
  assert.match(problems[2] ?? '', /^--notify-url #3 \(teams:\/\/…\): /);
});
