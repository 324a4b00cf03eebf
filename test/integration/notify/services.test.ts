// Every service against a loopback stand-in that checks requests as the real service does: a
// rollout's messages arrive at each one, complete and in order, and a refusal is a failure.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createNotifications } from '../../../src/notify/create-notifications.ts';
import type { NotificationEvent } from '../../../src/notify/event.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { testLogger } from '../../harness/memory-log.ts';
import { counted } from '../../harness/notify/notification-counter.ts';
import {
  BARK_KEY,
  GOOGLECHAT,
  GOTIFY_TOKEN,
  IFTTT_KEY,
  JOIN_KEY,
  OPSGENIE_KEY,
  overridesFor,
  PUSHBULLET_TOKEN,
  PUSHOVER,
  ROCKETCHAT,
  ROUTES,
  serviceUrls,
  SLACK_HOOK,
  startServiceSink,
  textsBy,
  WORKFLOW,
  ZULIP,
} from '../../harness/notify/service-sink.ts';

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
  const { log } = testLogger(
    t,
    () => `rejections: ${rejections.join('\n')}\nrequests: ${sink.requests.map((r) => `${r.method} ${r.path} ${r.body}`).join('\n')}`,
  );
  const registry = new Registry();
  const urls = serviceUrls(sink);
  const notifications = createNotifications({
    config: { urls: Object.values(urls), slackHookUrl: '', slackUsername: 'kured', slackChannel: '', templates },
    log,
    registry,
    endpointOverrides: overridesFor(sink),
    timeoutMs: 5000,
  });
  t.after(() => notifications.close(1000));

  for (const event of rollout) notifications.notify(event);
  assert.equal(await notifications.drain(30_000), true, 'all queues emptied');

  assert.deepEqual(rejections, []);
  for (const [name, prefix] of Object.entries(ROUTES)) assert.deepEqual(textsBy(sink, prefix), expected, name);
  for (const service of [
    'slack',
    'teams',
    'discord',
    'telegram',
    'mattermost',
    'ntfy',
    'generic',
    'gotify',
    'pushover',
    'rocketchat',
    'googlechat',
    'zulip',
    'opsgenie',
    'pushbullet',
    'bark',
    'join',
    'ifttt',
  ]) {
    assert.equal(await counted(registry, service, 'failed'), 0, service);
  }
  assert.equal(await counted(registry, 'slack', 'sent'), 2 * expected.length);
  assert.equal(await counted(registry, 'teams', 'sent'), 2 * expected.length, 'the connector and the Workflows URL');
  // Details a reader of each service would see.
  const [mattermost] = sink.received(ROUTES.mattermost);
  assert.deepEqual(mattermost?.json(), { text: expected[0], username: 'kreboot', channel: 'ops' });
  const [generic] = sink.received(ROUTES.generic);
  assert.deepEqual((generic?.json() as { event: unknown }).event, {
    kind: 'blocked',
    node: 'worker-1',
    reason: 'outside the maintenance window',
    time: (generic?.json() as { event: { time: string } }).event.time,
  });
  assert.deepEqual(sink.received(ROUTES.slackHook)[0]?.json(), { text: expected[0], username: 'kreboot' });
});

test("kured's --slack-hook-url posts with --slack-username and --slack-channel", async (t) => {
  const { sink, rejections } = await startServiceSink();
  t.after(() => sink.close());
  const { log } = testLogger(t);
  const notifications = createNotifications({
    config: {
      urls: [],
      slackHookUrl: `https://hooks.slack.com/services/${SLACK_HOOK}`,
      slackUsername: 'prod',
      slackChannel: 'alerting',
      templates,
    },
    log,
    registry: new Registry(),
    endpointOverrides: overridesFor(sink),
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
    config: {
      urls: ['slack://xoxb:999999999999-9999999999999-wrongwrongwrongwrongwron@C0123456789'],
      slackHookUrl: '',
      slackUsername: 'kured',
      slackChannel: '',
      templates,
    },
    log,
    registry,
    endpointOverrides: overridesFor(sink),
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

test('each added service refuses a wrong credential as the real one does, and it is counted as failed', async (t) => {
  const { sink, rejections } = await startServiceSink();
  t.after(() => sink.close());
  const { log } = testLogger(t, () => `rejections: ${rejections.join('\n')}`);
  const registry = new Registry();
  const urls = serviceUrls(sink);
  const wrong = [
    urls.teamsWorkflow.replace(WORKFLOW.sig, 'V3JvbmdTaWduYXR1cmVXcm9uZ1NpZ25hdHVy'),
    urls.gotify.replace(GOTIFY_TOKEN, 'AwrongToken.XYZ'),
    urls.pushover.replace(PUSHOVER.user, 'gznej3rKEVAvPUxu9vvNnqpmZpokzF'),
    urls.rocketchat.replace(ROCKETCHAT.b, 'WrongTokenBWrongTokenBWrongTokenB'),
    urls.googlechat.replace(GOOGLECHAT.token, 'wrongtokenwrongtokenwrongtoken'),
    urls.zulip.replace(ZULIP.key, 'wrongkeywrongkeywrongkeywrongkey'),
    urls.opsgenie.replace(OPSGENIE_KEY, '00000000-0000-4000-8000-000000000000'),
    urls.pushbullet.replace(PUSHBULLET_TOKEN, 'o.wrongwrongwrongwrongwrongwrongwr'),
    urls.bark.replace(BARK_KEY, 'WrongDeviceKeyWrongKey'),
    urls.join.replace(JOIN_KEY, 'ffffffffffffffffffffffffffffffff'),
    urls.ifttt.replace(IFTTT_KEY, 'wrong-key-wrong-key'),
  ];
  const notifications = createNotifications({
    config: { urls: wrong, slackHookUrl: '', slackUsername: 'kured', slackChannel: '', templates },
    log,
    registry,
    endpointOverrides: overridesFor(sink),
    timeoutMs: 5000,
  });
  t.after(() => notifications.close(1000));
  notifications.notify({ kind: 'drain', node: 'worker-9' });
  assert.equal(await notifications.drain(30_000), true);
  assert.equal(rejections.length, wrong.length, rejections.join('\n'));
  for (const service of [
    'teams',
    'gotify',
    'pushover',
    'rocketchat',
    'googlechat',
    'zulip',
    'opsgenie',
    'pushbullet',
    'bark',
    'join',
    'ifttt',
  ]) {
    assert.equal(await counted(registry, service, 'failed'), 1, service);
    assert.equal(await counted(registry, service, 'retried'), 0, service);
    assert.equal(await counted(registry, service, 'sent'), 0, service);
  }
});

test("the Workflows stand-in refuses the retired connector's MessageCard, as a Workflows flow does", async (t) => {
  const { sink, rejections } = await startServiceSink();
  t.after(() => sink.close());
  const response = await fetch(`${sink.url}${ROUTES.teamsWorkflow}?api-version=2016-06-01&sig=${WORKFLOW.sig}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ '@type': 'MessageCard', '@context': 'https://schema.org/extensions', summary: 'x', text: 'Draining node n1' }),
  });
  assert.equal(response.status, 400);
  assert.match(rejections[0] ?? '', /attachments is required/);
});
