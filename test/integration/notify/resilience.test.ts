// Sending never delays the work: with a service that is down, one that hangs past the timeout and
// one that answers 429, the caller's loop finishes at once, the other services still get their
// messages, and the failing ones retry as designed, then drop with a warning.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createNotifications } from '../../../src/notify/create-notifications.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { testLogger } from '../../harness/memory-log.ts';
import { counted } from '../../harness/notify/notification-counter.ts';
import { NTFY, ROUTES, serviceUrls, startServiceSink, textsBy } from '../../harness/notify/service-sink.ts';
import { startStallServer } from '../../harness/notify/stall-server.ts';

const templates = { drain: 'Draining node %s', reboot: 'Rebooting node %s', uncordon: 'Node %s rebooted & uncordoned successfully!' };
const config = (urls: string[]) => ({ urls, slackHookUrl: '', slackUsername: 'kured', slackChannel: '', templates });
const nodes = Array.from({ length: 20 }, (_, i) => `worker-${i}`);

test('a service that hangs or is down does not delay the caller or the other services', async (t) => {
  const healthy = await startServiceSink();
  const stalled = await startStallServer();
  const downPort = await freePort(); // nothing listens there: connection refused
  t.after(() => Promise.all([healthy.sink.close(), stalled.close()]));
  const { log, lines } = testLogger(t);
  const registry = new Registry();
  const notifications = createNotifications({
    config: config([
      serviceUrls(healthy.sink).ntfy,
      `mattermost://127.0.0.1:${stalled.port}/stalltoken?disabletls=yes`,
      `generic+http://127.0.0.1:${downPort}/hook`,
    ]),
    log,
    registry,
    timeoutMs: 300,
    policy: { maxAttempts: 2, backoffBaseMs: 50, backoffMaxMs: 100 },
  });
  t.after(() => notifications.close(500));

  // The "rollout": every step notifies; none may wait for a chat service.
  notifications.notify({ kind: 'drain', node: 'worker-0' });
  await waitFor(() => stalled.pending > 0, { timeoutMs: 10_000, what: 'the hanging service to hold a request' });
  const done: string[] = [];
  for (const node of nodes) {
    notifications.notify({ kind: 'reboot', node });
    done.push(node);
  }
  assert.equal(done.length, nodes.length, 'the caller finished');
  assert.ok(stalled.pending > 0, 'while the hanging service was still holding a request');

  // The healthy service got everything, in order, while the others were failing.
  const expected = ['Draining node worker-0', ...nodes.map((n) => `Rebooting node ${n}`)];
  await waitFor(() => textsBy(healthy.sink, ROUTES.ntfy).length === expected.length, {
    timeoutMs: 20_000,
    what: 'all messages at the healthy service',
  });
  assert.deepEqual(textsBy(healthy.sink, ROUTES.ntfy), expected);

  // The hanging and the dead service time out / are refused, retry once, then drop with a warning.
  await waitFor(async () => (await counted(registry, 'mattermost', 'failed')) >= 2 && (await counted(registry, 'generic', 'failed')) >= 2, {
    timeoutMs: 30_000,
    what: 'failures to be counted',
  });
  assert.ok((await counted(registry, 'mattermost', 'retried')) >= 1);
  assert.ok((await counted(registry, 'generic', 'retried')) >= 1);
  assert.ok(lines.some((l) => l.includes('notification failed and was dropped') && l.includes('no response within 300ms')));
  assert.ok(lines.some((l) => l.includes('notification failed and was dropped') && l.includes('connection failed (ECONNREFUSED)')));
  assert.ok(!lines.join('\n').includes('stalltoken') && !lines.join('\n').includes(NTFY.password), 'no token in the log');
});

test('a 429 with Retry-After is retried after the wait the service asked for, without delaying the caller', async (t) => {
  const { sink, rejections, interrupt } = await startServiceSink();
  t.after(() => sink.close());
  const { log } = testLogger(t);
  const registry = new Registry();
  // Discord's rate-limit answer: 429, Retry-After in seconds, and the same wait in the JSON body.
  interrupt(ROUTES.discord, 1, {
    status: 429,
    headers: { 'retry-after': '1' },
    body: { message: 'You are being rate limited.', retry_after: 1, global: false },
  });
  const notifications = createNotifications({
    config: config([serviceUrls(sink).discord]),
    log,
    registry,
    endpointOverrides: { 'https://discord.com': sink.url },
    policy: { backoffBaseMs: 1 },
  });
  t.after(() => notifications.close(500));

  notifications.notify({ kind: 'drain', node: 'worker-1' });
  notifications.notify({ kind: 'reboot', node: 'worker-1' });
  await waitFor(() => sink.received(ROUTES.discord).length >= 3, { timeoutMs: 15_000, what: 'the retry and the next message' });
  const [first, retry, next] = sink.received(ROUTES.discord);
  assert.deepEqual(
    [first, retry, next].map((r) => (r?.json() as { content: string }).content),
    ['Draining node worker-1', 'Draining node worker-1', 'Rebooting node worker-1'],
  );
  // Honouring the wait is the behaviour under test: the retry cannot come before Retry-After ends.
  assert.ok((retry?.at.getTime() ?? 0) - (first?.at.getTime() ?? 0) >= 950, 'the retry waited for Retry-After');
  assert.equal(await counted(registry, 'discord', 'retried'), 1);
  await waitFor(async () => (await counted(registry, 'discord', 'sent')) === 2, { timeoutMs: 5000, what: 'both messages sent' });
  assert.deepEqual(rejections, []);
});
