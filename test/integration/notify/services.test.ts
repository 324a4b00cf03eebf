// Every service against a loopback stand-in that checks requests as the real service does: a
// rollout's messages arrive at each one, complete and in order, and a refusal is a failure.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createNotifications } from '../../../src/notify/create-notifications.ts';
import type { NotificationEvent } from '../../../src/notify/event.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { counted, testLogger } from './helpers.ts';
import { overridesFor, ROUTES, serviceUrls, SLACK_HOOK, startServiceSink, textsBy } from './service-sink.ts';

const templates = { drain: 'Draining node %s', reboot: 'Rebooting node %s', uncordon: 'Node %s rebooted & uncordoned successfully!' };

const rollout: NotificationEvent[] = [
  { kind: 'blocked', node: 'worker-1', reason: 'outside the maintenance window' },
  { kind: 'drain', node: 'worker-1', phase: 'drain' },
  { kind: 'reboot', node: 'worker-1', phase: 'reboot' },
  { kind: 'uncordon', node: 'worker-1', phase: 'uncordon', durationMs: 252_000 },
  { kind: 'drain', node: 'worker-2', phase: 'drain' },
  { kind: 'drain-failed', node: 'worker-2', reason: 'PDB web allows 0 disruptions' },
  { kind: 'reboot-failed', node: 'worker-3', reason: 'not back within 10m0s' },
  { kind: 'halted', node: 'worker-3', reason: 'worker-3 did not come back' },
  { kind: 'resumed', node: '', reason: 'resumed by an operator' },
];
const expected = [
  'Node worker-1 is waiting to reboot: outside the maintenance window',
  'Draining node worker-1',
  'Rebooting node worker-1',
  'Node worker-1 rebooted & uncordoned successfully!',
  'Draining node worker-2',
  'Draining node worker-2 failed: PDB web allows 0 disruptions',
  'Node worker-3 did not come back from its reboot: not back within 10m0s',
  'Reboot rollout halted at node worker-3: worker-3 did not come back',
  'Reboot rollout resumed: resumed by an operator',
];

test('each service receives every message of a rollout, in order, in the form it documents', async (t) => {
  const { sink, rejections } = await startServiceSink();
  t.after(() => sink.close());
  const { log } = testLogger(t, () => `rejections: ${rejections.join('\n')}\nrequests: ${sink.requests.map((r) => `${r.method} ${r.path} ${r.body}`).join('\n')}`);
  const registry = new Registry();
  const urls = serviceUrls(sink);
  const notifications = createNotifications({
    config: { urls: Object.values(urls), slackHookUrl: '', slackUsername: 'kured', slackChannel: '', templates },
    log, registry, endpointOverrides: overridesFor(sink), timeoutMs: 5000,
  });
  t.after(() => notifications.close(1000));

  for (const event of rollout) notifications.notify(event);
  assert.equal(await notifications.drain(30_000), true, 'all queues emptied');

  assert.deepEqual(rejections, []);
  for (const [name, prefix] of Object.entries(ROUTES)) assert.deepEqual(textsBy(sink, prefix), expected, name);
  for (const service of ['slack', 'teams', 'discord', 'telegram', 'mattermost', 'ntfy', 'generic']) {
    assert.equal(await counted(registry, service, 'failed'), 0, service);
  }
  assert.equal(await counted(registry, 'slack', 'sent'), 2 * expected.length);
  // Details a reader of each service would see.
  const [mattermost] = sink.received(ROUTES.mattermost);
  assert.deepEqual(mattermost?.json(), { text: expected[0], username: 'kreboot', channel: 'ops' });
  const [generic] = sink.received(ROUTES.generic);
  assert.deepEqual((generic?.json() as { event: unknown }).event, { kind: 'blocked', node: 'worker-1', reason: 'outside the maintenance window', time: (generic?.json() as { event: { time: string } }).event.time });
  assert.deepEqual(sink.received(ROUTES.slackHook)[0]?.json(), { text: expected[0], username: 'kreboot' });
});

test("kured's --slack-hook-url posts with --slack-username and --slack-channel", async (t) => {
  const { sink, rejections } = await startServiceSink();
  t.after(() => sink.close());
  const { log } = testLogger(t);
  const notifications = createNotifications({
    config: { urls: [], slackHookUrl: `https://hooks.slack.com/services/${SLACK_HOOK}`, slackUsername: 'prod', slackChannel: 'alerting', templates },
    log, registry: new Registry(), endpointOverrides: overridesFor(sink),
  });
  t.after(() => notifications.close(1000));
  notifications.notify({ kind: 'drain', node: 'worker-7' });
  const request = await sink.waitForRequest((r) => r.path === ROUTES.slackHook, { timeoutMs: 10_000 });
  assert.deepEqual(request.json(), { text: 'Draining node worker-7', username: 'prod', channel: 'alerting' });
  assert.deepEqual(rejections, []);
});

test('a request the service refuses is counted as failed and not retried', async (t) => {
  const { sink, rejections } = await startServiceSink();
  t.after(() => sink.close());
  const { log, lines } = testLogger(t);
  const registry = new Registry();
  // A bot token Slack does not know: chat.postMessage answers 200 {"ok":false,"error":"not_authed"}.
  const notifications = createNotifications({
    config: { urls: ['slack://xoxb:999999999999-9999999999999-wrongwrongwrongwrongwron@C0123456789'], slackHookUrl: '', slackUsername: 'kured', slackChannel: '', templates },
    log, registry, endpointOverrides: overridesFor(sink),
  });
  t.after(() => notifications.close(1000));
  notifications.notify({ kind: 'halted', node: 'worker-3', reason: 'did not come back' });
  await waitFor(async () => (await counted(registry, 'slack', 'failed')) === 1, { timeoutMs: 10_000, what: 'the failure to be counted' });
  assert.deepEqual(rejections, [`${ROUTES.slackBot}: not_authed`]);
  assert.equal(sink.received(ROUTES.slackBot).length, 1);
  assert.equal(await counted(registry, 'slack', 'retried'), 0);
  assert.match(notifications.status()[0]?.lastError ?? '', /slack API error: not_authed/);
  assert.ok(!lines.join('\n').includes('wrongwrongwrong'), 'the token never reaches the log');
});
