// Every URL form of docs/notifications.md's table, as shoutrrr v0.8 (kured's sender) accepts it,
// given to the real configuration loader as `kreboot controller --notify-url=…` would be: each
// yields a working destination (no start-up warning) that posts where the service expects. The
// forms kured users paste that an earlier kreboot refused are here too (the pasted Slack webhook,
// Teams' colon form, shoutrrr's teams+https connector URL, extra path parts shoutrrr ignores).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadControllerConfig } from '../../../src/config/controller-config.ts';
import { buildNotifiers } from '../../../src/notify/build-notifiers.ts';
import type { Message } from '../../../src/notify/notifier.ts';
import { recordingTransport } from '../../harness/notify/recording-transport.ts';

const message: Message = { text: 'Draining node n1', event: { kind: 'drain', node: 'n1' }, at: Date.UTC(2026, 10, 26, 12) };
const HOOK = 'T01ABCDEF9/B02GHIJKL8/abcdefghijklmnopqrstuvwx';
const G = '11111111-4444-4444-8444-cccccccccccc';
const T = '22222222-4444-4444-8444-cccccccccccc';
const A = '33333333012222222222333333333344';
const O = '44444444-4444-4444-8444-cccccccccccc';
const CONNECTOR = `webhookb2/${G}@${T}/IncomingWebhook/${A}/${O}`;
const GCHAT =
  'v1/spaces/AAAAnXUK8Fo/messages?key=AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI&token=kxW2CcnN3f-Q1U5Dt4ZjJ0GzN1m0XKQ6S0pm8bGkqbA';
const ROCKET = '8eGdRzc9r4YYNyvge/2XYQcX9NBwJBKfQnphpebPcnXZcPEi32Nt4NKJfrnbhsbRfX';

/** [form, URL, service, where the first request goes (undefined: not sent here, see its own test)] */
const FORMS: Array<[string, string, string, string | undefined]> = [
  [
    'slack hook: form',
    'slack://hook:T01ABCDEF9-B02GHIJKL8-abcdefghijklmnopqrstuvwx@webhook',
    'slack',
    `https://hooks.slack.com/services/${HOOK}`,
  ],
  ['slack legacy T/B/X form', `slack://${HOOK}`, 'slack', `https://hooks.slack.com/services/${HOOK}`],
  ['slack legacy form with bot name', `slack://kured@${HOOK}`, 'slack', `https://hooks.slack.com/services/${HOOK}`],
  ['slack pasted webhook URL', `slack://hooks.slack.com/services/${HOOK}`, 'slack', `https://hooks.slack.com/services/${HOOK}`],
  [
    'slack pasted webhook URL, trailing slash',
    `slack://hooks.slack.com/services/${HOOK}/`,
    'slack',
    `https://hooks.slack.com/services/${HOOK}`,
  ],
  [
    'slack bot token',
    'slack://xoxb:123456789012-1234567890123-4mt0t4l1YL3g1T5L4cK70k3N@C0123456789',
    'slack',
    'https://slack.com/api/chat.postMessage',
  ],
  [
    'teams path form',
    `teams://${G}@${T}/${A}/${O}?host=contoso.webhook.office.com`,
    'teams',
    `https://contoso.webhook.office.com/${CONNECTOR}`,
  ],
  [
    'teams path form with EXTRAID',
    `teams://${G}@${T}/${A}/${O}/V2ESyij_gAljSoUQHvZoZYzlpAoAXExyOl26dlf1xHEx05?host=contoso.webhook.office.com`,
    'teams',
    `https://contoso.webhook.office.com/${CONNECTOR}/V2ESyij_gAljSoUQHvZoZYzlpAoAXExyOl26dlf1xHEx05`,
  ],
  [
    'teams colon form with host=',
    `teams://${G}@${T}:${A}@${O}?host=contoso.webhook.office.com`,
    'teams',
    `https://contoso.webhook.office.com/${CONNECTOR}`,
  ],
  [
    'teams+https connector URL',
    `teams+https://contoso.webhook.office.com/${CONNECTOR}`,
    'teams',
    `https://contoso.webhook.office.com/${CONNECTOR}`,
  ],
  [
    'teams+https Workflows URL',
    'teams+https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/invoke?api-version=2016-06-01&sig=Q2hhbmdl',
    'teams',
    'https://prod-12.westeurope.logic.azure.com:443/workflows/0a1b/triggers/manual/paths/invoke?api-version=2016-06-01&sig=Q2hhbmdl',
  ],
  [
    'discord',
    'discord://W3dE2OZz4C13_4z_uHfDOoC7BqTW288s-z1ykqI0iJnY@693853386302554172',
    'discord',
    'https://discord.com/api/webhooks/693853386302554172/W3dE2OZz4C13_4z_uHfDOoC7BqTW288s-z1ykqI0iJnY',
  ],
  [
    'mattermost',
    'mattermost://chat.example.com/bywsw8zt5jgpte3nm65qjiru6h',
    'mattermost',
    'https://chat.example.com/hooks/bywsw8zt5jgpte3nm65qjiru6h',
  ],
  [
    'mattermost with user, port and channel',
    'mattermost://kreboot@chat.example.com:8065/bywsw8zt5jgpte3nm65qjiru6h/ops',
    'mattermost',
    'https://chat.example.com:8065/hooks/bywsw8zt5jgpte3nm65qjiru6h',
  ],
  [
    'mattermost with a path part shoutrrr ignores',
    'mattermost://chat.example.com/bywsw8zt5jgpte3nm65qjiru6h/ops/extra',
    'mattermost',
    'https://chat.example.com/hooks/bywsw8zt5jgpte3nm65qjiru6h',
  ],
  [
    'telegram',
    'telegram://110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram?chats=@kreboot_ops,-1001234567890',
    'telegram',
    'https://api.telegram.org/bot110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage',
  ],
  ['ntfy', 'ntfy://ntfy.sh/kreboot-reboots', 'ntfy', 'https://ntfy.sh/kreboot-reboots'],
  [
    'ntfy with user, password and port',
    'ntfy://phil:mypass@ntfy.example.com:8443/reboots',
    'ntfy',
    'https://ntfy.example.com:8443/reboots',
  ],
  [
    'ntfy with an access token',
    'ntfy://:tk_AgQdq7mVBoFD37zQVN29RhuMzNIz2@ntfy.example.com/reboots',
    'ntfy',
    'https://ntfy.example.com/reboots',
  ],
  ['generic+https', 'generic+https://hooks.example.com/kreboot', 'generic', 'https://hooks.example.com/kreboot'],
  ['generic+http', 'generic+http://hooks.example.com:8080/kreboot', 'generic', 'http://hooks.example.com:8080/kreboot'],
  ['generic', 'generic://hooks.example.com/kreboot', 'generic', 'https://hooks.example.com/kreboot'],
  ['smtp', 'smtp://kreboot:pass@mail.example.com:587/?from=kreboot@example.com&to=ops@example.com,sre@example.com', 'smtp', undefined],
  ['smtp without credentials', 'smtp://mail.example.com/?from=kreboot@example.com&to=ops@example.com', 'smtp', undefined],
  ['gotify', 'gotify://gotify.example.com/AzyoeNS.D4iJLVa', 'gotify', 'https://gotify.example.com/message?token=AzyoeNS.D4iJLVa'],
  [
    'gotify with port and path',
    'gotify://gotify.example.com:8443/path/AzyoeNS.D4iJLVa',
    'gotify',
    'https://gotify.example.com:8443/path/message?token=AzyoeNS.D4iJLVa',
  ],
  [
    'pushover',
    'pushover://shoutrrr:azGDORePK8gMaC0QOYAMyEEuzJnyUi@uQiRzpo4DXghDmr9QzzfQu27cmVRsG/?devices=phone,tablet',
    'pushover',
    'https://api.pushover.net/1/messages.json',
  ],
  ['rocketchat', `rocketchat://chat.example.com/${ROCKET}`, 'rocketchat', `https://chat.example.com/hooks/${ROCKET}`],
  [
    'rocketchat with user, port and channel',
    `rocketchat://kreboot@chat.example.com:3000/${ROCKET}/ops`,
    'rocketchat',
    `https://chat.example.com:3000/hooks/${ROCKET}`,
  ],
  ['rocketchat to a user', `rocketchat://chat.example.com/${ROCKET}/@jane`, 'rocketchat', `https://chat.example.com/hooks/${ROCKET}`],
  ['googlechat', `googlechat://chat.googleapis.com/${GCHAT}`, 'googlechat', `https://chat.googleapis.com/${GCHAT}`],
  ['hangouts', `hangouts://chat.googleapis.com/${GCHAT}`, 'googlechat', `https://chat.googleapis.com/${GCHAT}`],
  [
    'matrix with user and password',
    'matrix://kreboot:s3cret@matrix.example.org/?rooms=!abc:example.org,#ops:example.org',
    'matrix',
    undefined,
  ],
  ['matrix with an access token', 'matrix://:syt_a3JlYm9vdA_abcdef@matrix.example.org:8448/', 'matrix', undefined],
  [
    'zulip',
    'zulip://kreboot-bot%40example.zulipchat.com:aZ3xW8qL9kT2vR5nB7mC1dF4gH6jK0pQ@example.zulipchat.com/?stream=ops&topic=reboots',
    'zulip',
    'https://example.zulipchat.com/api/v1/messages',
  ],
  ['opsgenie', 'opsgenie://api.opsgenie.com/eb243592-faa2-4ba2-a551-1afdf565c889', 'opsgenie', 'https://api.opsgenie.com/v2/alerts'],
  [
    'opsgenie EU',
    'opsgenie://api.eu.opsgenie.com/eb243592-faa2-4ba2-a551-1afdf565c889',
    'opsgenie',
    'https://api.eu.opsgenie.com/v2/alerts',
  ],
  ['pushbullet', 'pushbullet://o.f8kTmVvO2JNWpWtLWtXt1X6jLvX3m8Zv', 'pushbullet', 'https://api.pushbullet.com/v2/pushes'],
  [
    'pushbullet with device, channel and e-mail',
    'pushbullet://o.f8kTmVvO2JNWpWtLWtXt1X6jLvX3m8Zv/ujpah72o0sjAoRtnM0jc/%23ops/jane@example.com',
    'pushbullet',
    'https://api.pushbullet.com/v2/pushes',
  ],
  ['bark', 'bark://:Xq3nNzc8uLxS4hXXXbPyV4@api.day.app', 'bark', 'https://api.day.app/push'],
  [
    'bark with port and path',
    'bark://:Xq3nNzc8uLxS4hXXXbPyV4@bark.example.com:8080/bark',
    'bark',
    'https://bark.example.com:8080/bark/push',
  ],
  ['join', 'join://shoutrrr:0b7c4e5d9a6f4e1c8b2a3d4e5f6a7b8c@join/?devices=aaa111,bbb222', 'join', undefined],
  [
    'ifttt',
    'ifttt://dK3-4mbXyZ_9aQwErTyUiO/?events=kreboot,reboots',
    'ifttt',
    'https://maker.ifttt.com/trigger/kreboot/with/key/dK3-4mbXyZ_9aQwErTyUiO',
  ],
];

for (const [form, url, service, post] of FORMS) {
  test(`shoutrrr v0.8 form through the config loader: ${form}`, async () => {
    const loaded = loadControllerConfig(['--webhook-auth=none', `--notify-url=${url}`], {});
    assert.deepEqual(loaded.problems, []);
    assert.deepEqual(loaded.config.notify.urls, [url]);
    const transport = recordingTransport([
      { status: 200, headers: {}, body: '{"ok":true,"status":1,"code":200,"success":true,"result":"success"}' },
    ]);
    const built = buildNotifiers(loaded.config.notify, { transport, now: Date.now });
    assert.deepEqual(
      built.warnings.map((w) => w.problem),
      [],
    );
    assert.ok(built.notifiers.length > 0, 'a destination was built');
    for (const notifier of built.notifiers) {
      assert.equal(notifier.service, service);
      assert.equal(notifier.problem, undefined);
    }
    if (post === undefined) return;
    await built.notifiers[0]!.send(message).catch(() => undefined); // the answer's shape is each service's own test
    assert.equal(transport.requests[0]?.url, post);
  });
}

test('the same forms through KURED_NOTIFY_URL (one a line), as a kured manifest sets them', () => {
  const urls = FORMS.map(([, url]) => url);
  const loaded = loadControllerConfig(['--webhook-auth=none'], { KURED_NOTIFY_URL: urls.join('\n') });
  assert.deepEqual(loaded.problems, []);
  assert.deepEqual(loaded.config.notify.urls, urls);
  const built = buildNotifiers(loaded.config.notify, { transport: recordingTransport(), now: Date.now });
  assert.deepEqual(
    built.warnings.map((w) => w.problem),
    [],
  );
  assert.ok(built.notifiers.length >= urls.length, 'one destination (or more) per URL');
  assert.deepEqual(
    built.notifiers.filter((n) => n.problem !== undefined),
    [],
  );
});

test("teams+https with a connector's webhook URL is shoutrrr's custom form: a MessageCard to that connector", async () => {
  const transport = recordingTransport();
  const url = `teams+https://contoso.webhook.office.com/${CONNECTOR}?title=kreboot`;
  const built = buildNotifiers(loadControllerConfig(['--webhook-auth=none', `--notify-url=${url}`], {}).config.notify, {
    transport,
    now: Date.now,
  });
  await built.notifiers[0]!.send(message);
  assert.equal(transport.requests[0]?.url, `https://contoso.webhook.office.com/${CONNECTOR}`);
  const body = JSON.parse(transport.requests[0]?.body ?? '{}') as Record<string, unknown>;
  assert.equal(body['@type'], 'MessageCard');
  assert.equal(body.title, 'kreboot');
});

test("every query option shoutrrr v0.8 reads for ntfy and discord is accepted; ntfy's become its headers", async () => {
  const transport = recordingTransport();
  const urls = [
    'ntfy://ntfy.example.com/reboots?actions=view,Open,https://status.example.com&attach=https://x.example/a.png&filename=a.png&delay=10m&email=ops@example.com',
    'ntfy://ntfy.example.com/reboots?at=tomorrow,10am',
    'ntfy://ntfy.example.com/reboots?in=30m',
    'ntfy://phil@ntfy.example.com/reboots',
    'discord://W3dE2OZz4C13_4z_uHfDOoC7BqTW288s-z1ykqI0iJnY@693853386302554172?json=no&splitLines=no&colorError=0xff0000',
  ];
  const built = buildNotifiers(loadControllerConfig(['--webhook-auth=none', ...urls.map((u) => `--notify-url=${u}`)], {}).config.notify, {
    transport,
    now: Date.now,
  });
  assert.deepEqual(
    built.warnings.map((w) => w.problem),
    [],
  );
  for (const notifier of built.notifiers.slice(0, 4)) await notifier.send(message);
  const [first, at, inn, user] = transport.requests.map((r) => r.headers);
  assert.equal(first?.Actions, 'view,Open,https://status.example.com');
  assert.equal(first?.Attach, 'https://x.example/a.png');
  assert.equal(first?.Filename, 'a.png');
  assert.equal(first?.Delay, '10m');
  assert.equal(first?.Email, 'ops@example.com');
  assert.equal(at?.Delay, 'tomorrow,10am');
  assert.equal(inn?.Delay, '30m');
  // shoutrrr sends Basic auth with an empty password for a user alone.
  assert.equal(user?.Authorization, `Basic ${Buffer.from('phil:').toString('base64')}`);
});

test('options shoutrrr v0.8 does not read for googlechat, zulip and rocketchat are ignored, as shoutrrr ignores them', () => {
  const urls = [
    `googlechat://chat.googleapis.com/${GCHAT}&threadKey=reboots`,
    'zulip://kreboot-bot%40example.zulipchat.com:aZ3xW8qL9kT2vR5nB7mC1dF4gH6jK0pQ@example.zulipchat.com/?stream=ops&title=x',
    `rocketchat://chat.example.com/${ROCKET}/ops?title=x`,
  ];
  const built = buildNotifiers(loadControllerConfig(['--webhook-auth=none', ...urls.map((u) => `--notify-url=${u}`)], {}).config.notify, {
    transport: recordingTransport(),
    now: Date.now,
  });
  assert.deepEqual(
    built.warnings.map((w) => w.problem),
    [],
  );
});
