// URL parsing per service: each good URL yields the request that service documents (method, URL,
// auth, body), each bad URL a warning that names what is wrong and never contains the secret, and a
// destination that fails every message with it (never a start-up error).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildNotifiers } from '../../../src/notify/build-notifiers.ts';
import type { Message } from '../../../src/notify/notifier.ts';
import { notifyConfig } from '../../harness/notify/notify-config.ts';
import { recordingTransport } from '../../harness/notify/recording-transport.ts';

const SLACK_HOOK = 'T01ABCDEF9/B02GHIJKL8/abcdefghijklmnopqrstuvwx';
const message: Message = { text: 'Draining node n1', event: { kind: 'drain', node: 'n1' }, at: Date.UTC(2026, 10, 26, 12) };

async function requestFor(url: string, answer = { status: 200, headers: {}, body: 'ok' }) {
  const transport = recordingTransport([answer]);
  const built = buildNotifiers(notifyConfig({ urls: [url] }), { transport, now: Date.now });
  assert.deepEqual(built.warnings, []);
  for (const notifier of built.notifiers) await notifier.send(message);
  return { built, requests: transport.requests };
}

interface Case {
  readonly url: string;
  readonly service: string;
  readonly post: string;
  readonly headers?: Record<string, string>;
  readonly body: unknown;
  readonly answer?: { status: number; headers: Record<string, string>; body: string };
}

const good: Record<string, Case> = {
  'slack webhook (shoutrrr form)': {
    url: 'slack://hook:T01ABCDEF9-B02GHIJKL8-abcdefghijklmnopqrstuvwx@webhook?botname=kreboot',
    service: 'slack',
    post: `https://hooks.slack.com/services/${SLACK_HOOK}`,
    body: { text: 'Draining node n1', username: 'kreboot' },
  },
  'slack webhook (legacy form with bot name)': {
    url: `slack://ops@${SLACK_HOOK}?channel=%23reboots`,
    service: 'slack',
    post: `https://hooks.slack.com/services/${SLACK_HOOK}`,
    body: { text: 'Draining node n1', username: 'ops', channel: '#reboots' },
  },
  'slack bot token with channel': {
    url: 'slack://xoxb:123456789012-1234567890123-4mt0t4l1YL3g1T5L4cK70k3N@C0123456789?icon=:wrench:',
    service: 'slack',
    post: 'https://slack.com/api/chat.postMessage',
    headers: { Authorization: 'Bearer xoxb-123456789012-1234567890123-4mt0t4l1YL3g1T5L4cK70k3N' },
    body: { text: 'Draining node n1', channel: 'C0123456789', icon_emoji: ':wrench:' },
    answer: { status: 200, headers: {}, body: '{"ok":true,"ts":"1.2"}' },
  },
  teams: {
    url: 'teams://11111111-4444-4444-8444-cccccccccccc@22222222-4444-4444-8444-cccccccccccc/33333333012222222222333333333344/44444444-4444-4444-8444-cccccccccccc/V2ESyij_gAljSoUQHvZoZYzlpAoAXExyOl26dlf1xHEx05?host=contoso.webhook.office.com&title=kreboot',
    service: 'teams',
    post: 'https://contoso.webhook.office.com/webhookb2/11111111-4444-4444-8444-cccccccccccc@22222222-4444-4444-8444-cccccccccccc/IncomingWebhook/33333333012222222222333333333344/44444444-4444-4444-8444-cccccccccccc/V2ESyij_gAljSoUQHvZoZYzlpAoAXExyOl26dlf1xHEx05',
    body: {
      '@type': 'MessageCard',
      '@context': 'https://schema.org/extensions',
      summary: 'kreboot',
      text: 'Draining node n1',
      title: 'kreboot',
    },
    answer: { status: 200, headers: {}, body: '1' },
  },
  discord: {
    url: 'discord://W3dE2OZz4C13_4z_uHfDOoC7BqTW288s-z1ykqI0iJnY@693853386302554172?username=kreboot&thread_id=1234567890123456789',
    service: 'discord',
    post: 'https://discord.com/api/webhooks/693853386302554172/W3dE2OZz4C13_4z_uHfDOoC7BqTW288s-z1ykqI0iJnY?thread_id=1234567890123456789',
    body: { content: 'Draining node n1', username: 'kreboot' },
    answer: { status: 204, headers: {}, body: '' },
  },
  'mattermost with user, port and channel': {
    url: 'mattermost://kreboot@chat.example.com:8065/bywsw8zt5jgpte3nm65qjiru6h/ops',
    service: 'mattermost',
    post: 'https://chat.example.com:8065/hooks/bywsw8zt5jgpte3nm65qjiru6h',
    body: { text: 'Draining node n1', username: 'kreboot', channel: 'ops' },
  },
  'mattermost without TLS': {
    url: 'mattermost://mm.ops.svc/bywsw8zt5jgpte3nm65qjiru6h?disabletls=yes',
    service: 'mattermost',
    post: 'http://mm.ops.svc/hooks/bywsw8zt5jgpte3nm65qjiru6h',
    body: { text: 'Draining node n1' },
  },
  telegram: {
    url: 'telegram://110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram?chats=@kreboot_ops&notification=no',
    service: 'telegram',
    post: 'https://api.telegram.org/bot110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage',
    body: { chat_id: '@kreboot_ops', text: 'Draining node n1', disable_notification: true },
    answer: { status: 200, headers: {}, body: '{"ok":true}' },
  },
  'ntfy with access token': {
    url: 'ntfy://:tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2@ntfy.example.com/reboots?title=kreboot&priority=high&tags=warning',
    service: 'ntfy',
    post: 'https://ntfy.example.com/reboots',
    headers: {
      Authorization: 'Bearer tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2',
      Title: 'kreboot',
      Priority: 'high',
      Tags: 'warning',
      'Content-Type': 'text/plain; charset=utf-8',
    },
    body: 'Draining node n1',
    answer: { status: 200, headers: {}, body: '{"id":"x"}' },
  },
  'ntfy with user and password over http': {
    url: 'ntfy://phil:mypass@127.0.0.1:8080/reboots?scheme=http',
    service: 'ntfy',
    post: 'http://127.0.0.1:8080/reboots',
    headers: { Authorization: `Basic ${Buffer.from('phil:mypass').toString('base64')}` },
    body: 'Draining node n1',
  },
  'generic+https with header, extra field and forwarded query': {
    url: 'generic+https://hooks.example.com/kreboot?@Authorization=Bearer+s3cr3t-t0ken&$cluster=prod&team=ops&_title=x',
    service: 'generic',
    post: 'https://hooks.example.com/kreboot?team=ops&title=x',
    headers: { Authorization: 'Bearer s3cr3t-t0ken', 'Content-Type': 'application/json' },
    body: { cluster: 'prod', message: 'Draining node n1', event: { kind: 'drain', node: 'n1', time: '2026-11-26T12:00:00.000Z' } },
  },
  'generic:// with disabletls and custom keys': {
    url: 'generic://10.0.0.5:9000/hook?disabletls=yes&messagekey=text&title=kreboot',
    service: 'generic',
    post: 'http://10.0.0.5:9000/hook',
    body: { title: 'kreboot', text: 'Draining node n1', event: { kind: 'drain', node: 'n1', time: '2026-11-26T12:00:00.000Z' } },
  },
  "teams in shoutrrr v0.8's form (kured's), without extraId": {
    url: 'teams://11111111-4444-4444-8444-cccccccccccc@22222222-4444-4444-8444-cccccccccccc/33333333012222222222333333333344/44444444-4444-4444-8444-cccccccccccc?host=contoso.webhook.office.com',
    service: 'teams',
    post: 'https://contoso.webhook.office.com/webhookb2/11111111-4444-4444-8444-cccccccccccc@22222222-4444-4444-8444-cccccccccccc/IncomingWebhook/33333333012222222222333333333344/44444444-4444-4444-8444-cccccccccccc',
    body: { '@type': 'MessageCard', '@context': 'https://schema.org/extensions', summary: 'Draining node n1', text: 'Draining node n1' },
    answer: { status: 200, headers: {}, body: '1' },
  },
  'teams workflow (Adaptive Card)': {
    url: 'teams+https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b2c3d4e5f46a7b8c9d0e1f2a3b4c5/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Q2hhbmdlTWVQbGVhc2VJQW1BU2lnbmF0dXJl&title=kreboot',
    service: 'teams',
    post: 'https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b2c3d4e5f46a7b8c9d0e1f2a3b4c5/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=Q2hhbmdlTWVQbGVhc2VJQW1BU2lnbmF0dXJl',
    body: {
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            type: 'AdaptiveCard',
            version: '1.4',
            body: [
              { type: 'TextBlock', text: 'kreboot', weight: 'Bolder', size: 'Medium', wrap: true },
              { type: 'TextBlock', text: 'Draining node n1', wrap: true },
            ],
          },
        },
      ],
    },
    answer: { status: 202, headers: {}, body: '' },
  },
  gotify: {
    url: 'gotify://gotify.example.com:8443/path/to/gotify/AzyoeNS.D4iJLVa?title=Reboots&priority=5',
    service: 'gotify',
    post: 'https://gotify.example.com:8443/path/to/gotify/message?token=AzyoeNS.D4iJLVa',
    body: { message: 'Draining node n1', title: 'Reboots', priority: 5 },
  },
  'gotify without TLS': {
    url: 'gotify://gotify.ops.svc/AzyoeNS.D4iJLVa?disabletls=yes',
    service: 'gotify',
    post: 'http://gotify.ops.svc/message?token=AzyoeNS.D4iJLVa',
    body: { message: 'Draining node n1', title: 'kreboot', priority: 0 },
  },
  pushover: {
    url: 'pushover://shoutrrr:azGDORePK8gMaC0QOYAMyEEuzJnyUi@uQiRzpo4DXghDmr9QzzfQu27cmVRsG/?devices=phone,tablet&title=kreboot&priority=1',
    service: 'pushover',
    post: 'https://api.pushover.net/1/messages.json',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'token=azGDORePK8gMaC0QOYAMyEEuzJnyUi&user=uQiRzpo4DXghDmr9QzzfQu27cmVRsG&title=kreboot&priority=1&device=phone%2Ctablet&message=Draining+node+n1',
    answer: { status: 200, headers: {}, body: '{"status":1,"request":"5042853c-402d-4a18-abcb-168734a801de"}' },
  },
  'rocketchat with sender and channel': {
    url: 'rocketchat://kreboot@chat.example.com/8eGdRzc9r4YYNyvge/2XYQcX9NBwJBKfQnphpebPcnXZcPEi32Nt4NKJfrnbhsbRfX/ops',
    service: 'rocketchat',
    post: 'https://chat.example.com/hooks/8eGdRzc9r4YYNyvge/2XYQcX9NBwJBKfQnphpebPcnXZcPEi32Nt4NKJfrnbhsbRfX',
    body: { text: 'Draining node n1', username: 'kreboot', channel: '#ops' },
    answer: { status: 200, headers: {}, body: '{"success":true}' },
  },
  'rocketchat as pasted (/hooks/…) to a user': {
    url: 'rocketchat://chat.example.com:3000/hooks/8eGdRzc9r4YYNyvge/2XYQcX9NBwJBKfQnphpebPcnXZcPEi32Nt4NKJfrnbhsbRfX/@jane',
    service: 'rocketchat',
    post: 'https://chat.example.com:3000/hooks/8eGdRzc9r4YYNyvge/2XYQcX9NBwJBKfQnphpebPcnXZcPEi32Nt4NKJfrnbhsbRfX',
    body: { text: 'Draining node n1', channel: '@jane' },
    answer: { status: 200, headers: {}, body: '{"success":true}' },
  },
  googlechat: {
    url: 'googlechat://chat.googleapis.com/v1/spaces/AAAAnXUK8Fo/messages?key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI&token=kxW2CcnN3f-Q1U5Dt4ZjJ0GzN1m0XKQ6S0pm8bGkqbA',
    service: 'googlechat',
    post: 'https://chat.googleapis.com/v1/spaces/AAAAnXUK8Fo/messages?key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI&token=kxW2CcnN3f-Q1U5Dt4ZjJ0GzN1m0XKQ6S0pm8bGkqbA',
    body: { text: 'Draining node n1' },
  },
  "hangouts (Google Chat's older scheme)": {
    url: 'hangouts://chat.googleapis.com/v1/spaces/AAAAnXUK8Fo/messages?key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI&token=kxW2CcnN3f-Q1U5Dt4ZjJ0GzN1m0XKQ6S0pm8bGkqbA',
    service: 'googlechat',
    post: 'https://chat.googleapis.com/v1/spaces/AAAAnXUK8Fo/messages?key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI&token=kxW2CcnN3f-Q1U5Dt4ZjJ0GzN1m0XKQ6S0pm8bGkqbA',
    body: { text: 'Draining node n1' },
  },
  zulip: {
    url: 'zulip://kreboot-bot%40example.zulipchat.com:aZ3xW8qL9kT2vR5nB7mC1dF4gH6jK0pQ@example.zulipchat.com/?stream=ops&topic=reboots',
    service: 'zulip',
    post: 'https://example.zulipchat.com/api/v1/messages',
    headers: {
      Authorization: `Basic ${Buffer.from('kreboot-bot@example.zulipchat.com:aZ3xW8qL9kT2vR5nB7mC1dF4gH6jK0pQ').toString('base64')}`,
      'Content-Type': 'application/x-www-form-urlencoded',
    },
    body: 'type=stream&to=ops&topic=reboots&content=Draining+node+n1',
    answer: { status: 200, headers: {}, body: '{"result":"success","msg":"","id":42}' },
  },
  'opsgenie with responders and tags': {
    url: 'opsgenie://api.eu.opsgenie.com/eb243592-faa2-4ba2-a551-1afdf565c889?responders=team:ops,user:jane@example.com&tags=kreboot,reboot&priority=P4&details=cluster:prod',
    service: 'opsgenie',
    post: 'https://api.eu.opsgenie.com/v2/alerts',
    headers: { Authorization: 'GenieKey eb243592-faa2-4ba2-a551-1afdf565c889' },
    body: {
      message: 'Draining node n1',
      priority: 'P4',
      responders: [
        { type: 'team', name: 'ops' },
        { type: 'user', username: 'jane@example.com' },
      ],
      tags: ['kreboot', 'reboot'],
      details: { cluster: 'prod' },
    },
    answer: { status: 202, headers: {}, body: '{"result":"Request will be processed","took":0.2,"requestId":"43a29c5c"}' },
  },
  'pushbullet to all devices': {
    url: 'pushbullet://o.f8kTmVvO2JNWpWtLWtXt1X6jLvX3m8Zv',
    service: 'pushbullet',
    post: 'https://api.pushbullet.com/v2/pushes',
    headers: { 'Access-Token': 'o.f8kTmVvO2JNWpWtLWtXt1X6jLvX3m8Zv' },
    body: { type: 'note', title: 'kreboot', body: 'Draining node n1' },
  },
  'bark over http with options': {
    url: 'bark://:Xq3nNzc8uLxS4hXXXbPyV4@bark.ops.svc:8080/?scheme=http&title=kreboot&group=reboots&sound=minuet',
    service: 'bark',
    post: 'http://bark.ops.svc:8080/push',
    body: { device_key: 'Xq3nNzc8uLxS4hXXXbPyV4', body: 'Draining node n1', title: 'kreboot', sound: 'minuet', group: 'reboots' },
    answer: { status: 200, headers: {}, body: '{"code":200,"message":"success","timestamp":1700000000}' },
  },
  join: {
    url: 'join://shoutrrr:0b7c4e5d9a6f4e1c8b2a3d4e5f6a7b8c@join/?devices=aaa111,bbb222&title=kreboot',
    service: 'join',
    post: 'https://joinjoaomgcd.appspot.com/_ah/api/messaging/v1/sendPush?deviceIds=aaa111%2Cbbb222&apikey=0b7c4e5d9a6f4e1c8b2a3d4e5f6a7b8c&text=Draining+node+n1&title=kreboot',
    body: '',
    answer: { status: 200, headers: {}, body: '{"success":true}' },
  },
  'ifttt with values': {
    url: 'ifttt://dK3-4mbXyZ_9aQwErTyUiO/?events=kreboot&value1=prod&value3=x&titlevalue=3&title=Reboots',
    service: 'ifttt',
    post: 'https://maker.ifttt.com/trigger/kreboot/with/key/dK3-4mbXyZ_9aQwErTyUiO',
    body: { value1: 'prod', value2: 'Draining node n1', value3: 'Reboots' },
  },
};

for (const [name, c] of Object.entries(good)) {
  test(`good URL: ${name}`, async () => {
    const { built, requests } = await requestFor(c.url, c.answer);
    assert.equal(built.notifiers[0]?.service, c.service);
    assert.equal(requests.length, 1);
    const [request] = requests;
    assert.equal(request?.method, 'POST');
    assert.equal(request?.url, c.post);
    for (const [header, value] of Object.entries(c.headers ?? {})) assert.equal(request?.headers[header], value, header);
    if (typeof c.body === 'string') assert.equal(request?.body, c.body);
    else assert.deepEqual(JSON.parse(request?.body ?? ''), c.body);
    // The safe description of the destination never carries the URL's secret parts.
    for (const notifier of built.notifiers) assert.doesNotMatch(notifier.target, /[A-Za-z0-9_-]{24,}/);
  });
}

test('telegram sends one request per chat, numeric IDs as numbers and topics as thread IDs', async () => {
  const { built, requests } = await requestFor(
    'telegram://110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram?chats=@kreboot_ops,-1001234567890:42',
    { status: 200, headers: {}, body: '{"ok":true}' },
  );
  assert.equal(built.notifiers.length, 2);
  assert.deepEqual(
    requests.map((r) => JSON.parse(r.body) as unknown),
    [
      { chat_id: '@kreboot_ops', text: 'Draining node n1' },
      { chat_id: -1001234567890, text: 'Draining node n1', message_thread_id: 42 },
    ],
  );
});

test('--slack-hook-url applies --slack-username and --slack-channel', async () => {
  const transport = recordingTransport();
  const built = buildNotifiers(
    notifyConfig({ slackHookUrl: `https://hooks.slack.com/services/${SLACK_HOOK}`, slackUsername: 'prod', slackChannel: 'alerting' }),
    { transport, now: Date.now },
  );
  assert.deepEqual(built.warnings, []);
  await built.notifiers[0]?.send(message);
  assert.equal(transport.requests[0]?.url, `https://hooks.slack.com/services/${SLACK_HOOK}`);
  assert.deepEqual(JSON.parse(transport.requests[0]?.body ?? ''), { text: 'Draining node n1', username: 'prod', channel: 'alerting' });
});

const SECRET = 'Zq9SecretTokenPart0000000';
const PUSHOVER_TOKEN = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';
const bad: Array<[string, string, RegExp]> = [
  [
    'slack with a short token',
    `slack://hook:T01ABCDEF9-B02GHIJKL8-${SECRET.slice(0, 10)}@webhook`,
    /slack: the token is not in a form Slack issues/,
  ],
  ['slack bot token without channel', `slack://xoxb:123456789012-1234567890123-${SECRET}@webhook`, /a bot token needs a channel/],
  ['slack hook form written with slashes', `slack://hook:T01ABCDEF9/B02GHIJKL8/${SECRET}`, /slack: not a valid URL/],
  ['slack with mismatched separators', `slack://T01ABCDEF9-B02GHIJKL8/${SECRET}`, /slack: the token parts use different separators/],
  [
    'slack with an unknown option',
    `slack://${SLACK_HOOK.replace('abcdefghijklmnopqrstuvwx', SECRET)}?colour=red`,
    /unknown option "colour"/,
  ],
  [
    'teams without host',
    `teams://11111111-4444-4444-8444-cccccccccccc@22222222-4444-4444-8444-cccccccccccc/33333333012222222222333333333344/44444444-4444-4444-8444-cccccccccccc/${SECRET}`,
    /without host= shoutrrr posted to outlook\.office\.com, which Microsoft no longer serves/,
  ],
  [
    'teams with a short group',
    `teams://1111@22222222-4444-4444-8444-cccccccccccc/33333333012222222222333333333344/44444444-4444-4444-8444-cccccccccccc/${SECRET}?host=x.webhook.office.com`,
    /group ID/,
  ],
  ['discord with json=yes', `discord://${SECRET}@693853386302554172?json=yes`, /discord: json=yes/],
  ['discord without token', 'discord://693853386302554172', /token \(before @\) is missing/],
  ['discord with a non-numeric webhook ID', `discord://${SECRET}@hooks`, /webhook ID \(after @\) must be the number/],
  ['mattermost without token', 'mattermost://chat.example.com', /webhook token \(first path part\) is missing/],
  ['telegram without chats', `telegram://110201543:${SECRET}@telegram`, /no chats given/],
  ['telegram with a bad token', `telegram://bot:${SECRET}@telegram?chats=@x_chan`, /bot token must look like/],
  ['ntfy with a topic ntfy refuses', `ntfy://:${SECRET}@ntfy.sh/a.b`, /ntfy: the topic may only have/],
  ['ntfy without topic', `ntfy://:${SECRET}@ntfy.sh`, /the topic is missing/],
  ['ntfy with a bad priority', `ntfy://:${SECRET}@ntfy.sh/t?priority=loud`, /priority must be/],
  ['generic with a bad method', `generic+https://h.example/${SECRET}?method=GET`, /method must be POST or PUT/],
  ['gotify with a token Gotify never issues', `gotify://gotify.example.com/${SECRET}`, /gotify: the application token/],
  ['pushover without a user key', `pushover://shoutrrr:${PUSHOVER_TOKEN}@short`, /pushover: the user key/],
  ['rocketchat with one token part', `rocketchat://chat.example.com/${SECRET}`, /rocketchat: the webhook token is two path parts/],
  [
    'googlechat without token',
    `googlechat://chat.googleapis.com/v1/spaces/AAAA/messages?key=${SECRET}`,
    /"key" and "token" options are both required/,
  ],
  ['zulip without stream', `zulip://bot%40example.zulipchat.com:${SECRET}@example.zulipchat.com/`, /option "stream" is required/],
  ['opsgenie with a bad priority', `opsgenie://api.opsgenie.com/${SECRET}?priority=urgent`, /priority must be P1 to P5/],
  ['pushbullet with a short token', `pushbullet://${SECRET}`, /access token \(the host part\) must be 34/],
  ['bark without device key', `bark://${SECRET}@bark.example.com`, /device key/],
  ['join without devices', `join://shoutrrr:${SECRET}@join`, /option "devices" is required/],
  ['ifttt with titlevalue = messagevalue', `ifttt://${SECRET}/?events=reboot&titlevalue=2`, /titlevalue cannot be the same/],
  ['smtp without from', `smtp://kreboot:${SECRET}@mail.example.com:587/?to=ops@example.com`, /option "from" must be one e-mail address/],
  [
    'smtp with an unknown auth',
    `smtp://kreboot:${SECRET}@mail.example.com/?from=k@example.com&to=ops@example.com&auth=Kerberos`,
    /auth must be None, Plain/,
  ],
  [
    'smtp with a password and starttls=no, encryption not None',
    `smtp://kreboot:${SECRET}@mail.example.com:587/?from=k@example.com&to=ops@example.com&starttls=no`,
    /password over a plain connection; set encryption=None/,
  ],
  ['matrix without password', `matrix://${SECRET}@matrix.example.org/?rooms=!a:example.org`, /matrix: a password/],
  [
    'matrix with a room without server',
    `matrix://kreboot:${SECRET}@matrix.example.org/?rooms=ops`,
    /room "#ops" must be !id:server or #alias:server/,
  ],
  ['teams workflow over http', `teams+http://prod.logic.azure.com/workflows/${SECRET}`, /teams: a Workflows URL must be https/],
  ['not a URL', SECRET, /not a URL of the form service/],
];
for (const [name, url, expected] of bad) {
  test(`bad URL: ${name}`, async () => {
    const transport = recordingTransport();
    const built = buildNotifiers(notifyConfig({ urls: ['ntfy://ntfy.sh/fine', url] }), { transport, now: Date.now });
    assert.equal(built.warnings.length, 1, built.warnings.map((w) => w.problem).join('\n'));
    const [{ problem = '', message: logged = '' } = {}] = built.warnings;
    assert.equal(logged, 'notification URL cannot be used: its messages will fail');
    assert.match(problem, /^--notify-url #2 /);
    assert.match(problem, expected);
    assert.ok(!problem.includes(SECRET) && !problem.includes(SECRET.slice(0, 10)), `problem leaks the secret: ${problem}`);
    // Still a destination, failing from the start with that problem, and never sent to.
    assert.equal(built.notifiers.length, 2);
    const unusable = built.notifiers[1]!;
    assert.equal(unusable.problem, problem);
    assert.ok(!unusable.target.includes(SECRET) && !unusable.target.includes(SECRET.slice(0, 10)), unusable.target);
    await assert.rejects(unusable.send(message), (error: Error) => error.message.startsWith(problem));
    assert.equal(transport.requests.length, 0);
  });
}

test('a bad --slack-hook-url names the flag, not the URL', () => {
  const built = buildNotifiers(notifyConfig({ slackHookUrl: `https://hooks.example.com/services/${SECRET}` }), {
    transport: recordingTransport(),
    now: Date.now,
  });
  assert.equal(built.warnings.length, 1);
  assert.match(built.warnings[0]?.problem ?? '', /^--slack-hook-url: must start with https:\/\/hooks\.slack\.com\/services\//);
  assert.ok(!built.warnings[0]?.problem.includes(SECRET));
  assert.equal(built.notifiers[0]?.service, 'slack');
});
