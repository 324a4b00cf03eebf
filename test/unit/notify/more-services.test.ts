// The parts of the services added for kured's users that one request per URL does not show:
// several targets per URL, answers that look like success but are not, SMTP's server settings,
// and schemes kreboot does not speak (a warning and counted failures, never a start-up error).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { buildNotifiers } from '../../../src/notify/build-notifiers.ts';
import { createNotifications } from '../../../src/notify/create-notifications.ts';
import { DeliveryError } from '../../../src/notify/delivery-error.ts';
import type { HttpResponse } from '../../../src/notify/http-transport.ts';
import type { Message } from '../../../src/notify/notifier.ts';
import type { SmtpMail, SmtpSender, SmtpServer } from '../../../src/notify/smtp-sender.ts';
import { memoryLogger } from '../../harness/memory-log.ts';
import { notifyConfig } from '../../harness/notify/notify-config.ts';
import { recordingTransport } from '../../harness/notify/recording-transport.ts';

const message: Message = { text: 'Draining node n1', event: { kind: 'drain', node: 'n1' }, at: Date.UTC(2026, 10, 26, 12) };
const answer = (status: number, body: string): HttpResponse => ({ status, headers: {}, body });

function build(url: string, answers: HttpResponse[] = [], smtp?: SmtpSender) {
  const transport = recordingTransport(answers);
  const built = buildNotifiers(notifyConfig({ urls: [url] }), { transport, now: Date.now, smtp });
  assert.deepEqual(built.warnings, []);
  return { built, transport };
}

test('pushbullet pushes once per device, channel and e-mail', async () => {
  const { built, transport } = build('pushbullet://o.f8kTmVvO2JNWpWtLWtXt1X6jLvX3m8Zv/ujpah72o0sjAoRtnM0jc/%23reboots/ops%40example.com');
  for (const n of built.notifiers) await n.send(message);
  assert.deepEqual(
    transport.requests.map((r) => JSON.parse(r.body) as unknown),
    [
      { type: 'note', title: 'kreboot', body: 'Draining node n1', device_iden: 'ujpah72o0sjAoRtnM0jc' },
      { type: 'note', title: 'kreboot', body: 'Draining node n1', channel_tag: 'reboots' },
      { type: 'note', title: 'kreboot', body: 'Draining node n1', email: 'ops@example.com' },
    ],
  );
});

test('ifttt fires each event with its own request', async () => {
  const { built, transport } = build('ifttt://dK3-4mbXyZ_9aQwErTyUiO/?events=reboot,page');
  assert.equal(built.notifiers.length, 2);
  for (const n of built.notifiers) await n.send(message);
  assert.deepEqual(
    transport.requests.map((r) => r.url),
    [
      'https://maker.ifttt.com/trigger/reboot/with/key/dK3-4mbXyZ_9aQwErTyUiO',
      'https://maker.ifttt.com/trigger/page/with/key/dK3-4mbXyZ_9aQwErTyUiO',
    ],
  );
});

const refusals: Array<[string, string, HttpResponse, RegExp]> = [
  [
    'pushover 400 with errors',
    'pushover://shoutrrr:azGDORePK8gMaC0QOYAMyEEuzJnyUi@uQiRzpo4DXghDmr9QzzfQu27cmVRsG',
    answer(400, '{"user":"invalid","errors":["user identifier is not a valid user, group, or subscribed user key"],"status":0}'),
    /HTTP 400: user identifier is not a valid/,
  ],
  [
    'rocketchat 200 with success false',
    'rocketchat://chat.example.com/8eGdRzc9r4YYNyvge/2XYQcX9NBwJBKfQnphpebPcnXZcPEi32Nt4NKJfrnbhsbRfX',
    answer(200, '{"success":false,"error":"Invalid integration"}'),
    /rocketchat error: Invalid integration/,
  ],
  [
    'bark 400 with a reason',
    'bark://:Xq3nNzc8uLxS4hXXXbPyV4@api.day.app',
    answer(400, '{"code":400,"message":"failed to get device token: device not found"}'),
    /HTTP 400: failed to get device token/,
  ],
  [
    'join 200 with success false',
    'join://shoutrrr:0b7c4e5d9a6f4e1c8b2a3d4e5f6a7b8c@join/?devices=a1',
    answer(200, '{"success":false,"errorMessage":"User Not Authenticated"}'),
    /join error: User Not Authenticated/,
  ],
  [
    'zulip 400',
    'zulip://bot%40example.zulipchat.com:aZ3xW8qL9kT2vR5nB7mC1dF4gH6jK0pQ@example.zulipchat.com/?stream=nope',
    answer(400, '{"result":"error","msg":"Channel \'nope\' does not exist","code":"STREAM_DOES_NOT_EXIST"}'),
    /HTTP 400: Channel 'nope' does not exist/,
  ],
  [
    'gotify 401',
    'gotify://gotify.example.com/AzyoeNS.D4iJLVa',
    answer(
      401,
      '{"error":"Unauthorized","errorCode":401,"errorDescription":"you need to provide a valid access token or user credentials to access this api"}',
    ),
    /HTTP 401: you need to provide a valid access token/,
  ],
  [
    'ifttt 401',
    'ifttt://badkey/?events=e',
    answer(401, '{"errors":[{"message":"You sent an invalid key."}]}'),
    /HTTP 401: You sent an invalid key/,
  ],
];
for (const [name, url, refusal, expected] of refusals) {
  test(`a refusal is a permanent failure: ${name}`, async () => {
    const { built } = build(url, [refusal]);
    const error = await built.notifiers[0]!.send(message).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(error instanceof DeliveryError, String(error));
    assert.match(error.message, expected);
    assert.equal(error.retryable, false);
  });
}

test('opsgenie cuts a message longer than 130 characters and sends it whole as the description', async () => {
  const { built, transport } = build('opsgenie://api.opsgenie.com/eb243592-faa2-4ba2-a551-1afdf565c889', [answer(202, '{}')]);
  const long = `Node n1 is waiting to reboot: ${'x'.repeat(200)}`;
  await built.notifiers[0]!.send({ ...message, text: long });
  const body = JSON.parse(transport.requests[0]!.body) as { message: string; description: string };
  assert.equal(body.message.length, 130);
  assert.equal(body.description, long);
});

function smtpCase(url: string): { server: SmtpServer; mail: SmtpMail } {
  let seen: { server: SmtpServer; mail: SmtpMail } | undefined;
  const sender: SmtpSender = {
    send: (server, mail) => {
      seen = { server, mail };
      return Promise.resolve();
    },
  };
  const { built } = build(url, [], sender);
  void built.notifiers[0]!.send(message);
  assert.ok(seen);
  return seen;
}

test("smtp: shoutrrr's encryption and auth options become the server settings", () => {
  const cases: Array<[string, Partial<SmtpServer>]> = [
    [
      'smtp://mail.example.com/?from=k@example.com&to=a@example.com',
      { port: 25, implicitTls: false, startTls: 'opportunistic', auth: undefined },
    ],
    [
      'smtp://u:p@mail.example.com:465/?from=k@example.com&to=a@example.com',
      { port: 465, implicitTls: true, startTls: 'off', auth: { user: 'u', pass: 'p', method: 'auto' } },
    ],
    [
      'smtp://u:p@mail.example.com:587/?from=k@example.com&to=a@example.com&encryption=ExplicitTLS&auth=Plain',
      { implicitTls: false, startTls: 'required', auth: { user: 'u', pass: 'p', method: 'PLAIN' } },
    ],
    [
      'smtp://u:p@mail.example.com:2525/?from=k@example.com&to=a@example.com&encryption=None&auth=CRAMMD5',
      { startTls: 'off', auth: { user: 'u', pass: 'p', method: 'CRAM-MD5' } },
    ],
    [
      'smtp://u:tok@mail.example.com:587/?from=k@example.com&to=a@example.com&auth=OAuth2&starttls=no&encryption=None',
      { startTls: 'off', auth: { user: 'u', pass: 'tok', method: 'XOAUTH2' } },
    ],
    ['smtp://u:p@mail.example.com/?from=k@example.com&to=a@example.com&auth=None', { auth: undefined }],
    [
      'smtp://mail.example.com:587/?from=k@example.com&to=a@example.com&encryption=ImplicitTLS&clienthost=node1.example.com',
      { implicitTls: true, startTls: 'off', clientHost: 'node1.example.com' },
    ],
  ];
  for (const [url, expected] of cases) {
    const { server } = smtpCase(url);
    for (const [key, value] of Object.entries(expected)) assert.deepEqual(server[key as keyof SmtpServer], value, `${url}: ${key}`);
  }
});

test('smtp: one mail to every recipient, with sender name, subject and HTML when asked', () => {
  const { mail } = smtpCase(
    'smtp://mail.example.com/?fromaddress=kreboot@example.com&fromname=kreboot+prod&to=a@example.com,b@example.com&subject=Reboots&usehtml=yes',
  );
  assert.deepEqual(mail, {
    from: '"kreboot prod" <kreboot@example.com>',
    to: ['a@example.com', 'b@example.com'],
    subject: 'Reboots',
    html: 'Draining node n1',
  });
  assert.deepEqual(smtpCase('smtp://mail.example.com/?from=k@example.com&to=a@example.com').mail, {
    from: 'k@example.com',
    to: ['a@example.com'],
    subject: 'kreboot',
    text: 'Draining node n1',
  });
});

test('an unknown scheme is a warning and counted failures, never a configuration problem', async () => {
  const urls = ['xmpp://kreboot@example.com/?toaddresses=ops@example.com', 'htps://typo.example.com/x', 'ntfy://ntfy.example.com/reboots'];
  const built = buildNotifiers(notifyConfig({ urls }), { transport: recordingTransport(), now: Date.now });
  assert.equal(built.warnings.length, 2);
  assert.match(
    built.warnings[0]?.problem ?? '',
    /^--notify-url #1 \(xmpp:\/\/…\): unsupported service "xmpp" \(shoutrrr builds XMPP only with a build tag/,
  );
  assert.match(
    built.warnings[1]?.problem ?? '',
    /^--notify-url #2 \(htps:\/\/…\): unsupported service "htps"; its messages will be counted as failed \(supported: slack, teams, /,
  );
  assert.ok(!JSON.stringify(built.warnings).includes('typo.example.com'), 'the URL itself is not shown');

  const { log, lines } = memoryLogger();
  const registry = new Registry();
  const transport = recordingTransport();
  const n = createNotifications({
    config: notifyConfig({ urls }),
    log,
    registry,
    transport,
    policy: { maxAttempts: 3, backoffBaseMs: 1, backoffMaxMs: 5 },
  });
  assert.equal(
    lines.filter((l) => l.includes('"level":40') && l.includes('notification URL of an unsupported service')).length,
    2,
    'one start-up warning per URL',
  );
  n.notify({ kind: 'drain', node: 'n1' });
  n.notify({ kind: 'reboot', node: 'n1' });
  assert.equal(await n.drain(5000), true);
  await n.close();
  const metrics = await registry.getSingleMetricAsString('kreboot_notifications_total');
  assert.match(metrics, /service="xmpp",result="failed"} 2/);
  assert.match(metrics, /service="htps",result="failed"} 2/);
  assert.match(metrics, /service="ntfy",result="sent"} 2/);
  assert.match(metrics, /service="xmpp",result="retried"} 0/);
  assert.equal(transport.requests.length, 2, 'only ntfy was sent to');
  assert.match(n.status().find((s) => s.service === 'xmpp')?.lastError ?? '', /unsupported service "xmpp"/);
});

test('a bad URL for a service kreboot speaks is a warning, a failing destination and a metric, never an exit', async () => {
  const urls = ['gotify://gotify.example.com/not-a-token', 'smtp://mail.example.com/?to=a@example.com', 'ntfy://ntfy.example.com/reboots'];
  const { log, lines } = memoryLogger();
  const registry = new Registry();
  const transport = recordingTransport();
  const n = createNotifications({ config: notifyConfig({ urls }), log, registry, transport, policy: { maxAttempts: 3, backoffBaseMs: 1 } });
  const warnings = lines.filter((l) => l.includes('"level":40') && l.includes('notification URL cannot be used: its messages will fail'));
  assert.equal(warnings.length, 2, lines.join('\n'));
  assert.match(warnings[0] ?? '', /--notify-url #1 \(gotify:\/\/…\): gotify: the application token/);
  assert.ok(!lines.join('\n').includes('not-a-token'), 'the URL itself is not logged');
  // On the status page from the start, before any message.
  const status = n.status();
  assert.match(status.find((s) => s.service === 'gotify')?.lastError ?? '', /^--notify-url #1 \(gotify:\/\/…\): gotify: /);
  assert.match(status.find((s) => s.service === 'smtp')?.lastError ?? '', /^--notify-url #2 \(smtp:\/\/…\): smtp: /);
  assert.equal(status.find((s) => s.service === 'ntfy')?.lastError, undefined);
  assert.match(await registry.getSingleMetricAsString('kreboot_notification_unusable_urls'), /kreboot_notification_unusable_urls 2/);
  n.notify({ kind: 'drain', node: 'n1' });
  assert.equal(await n.drain(5000), true);
  await n.close();
  const metrics = await registry.getSingleMetricAsString('kreboot_notifications_total');
  assert.match(metrics, /service="gotify",result="failed"} 1/);
  assert.match(metrics, /service="smtp",result="failed"} 1/);
  assert.match(metrics, /service="ntfy",result="sent"} 1/);
  assert.equal(transport.requests.length, 1, 'only ntfy was sent to');
});
