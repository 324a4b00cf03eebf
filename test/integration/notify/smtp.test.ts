// E-mail against a real SMTP server on loopback (aiosmtpd): STARTTLS with a certificate from a
// test CA and AUTH, plain SMTP without either, and the refusals a mail server gives (a wrong
// password, no STARTTLS where the URL demands it) counted as failures without the password in
// any log line; and a hanging server does not hold up shutdown.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { Registry } from 'prom-client';
import { createNotifications } from '../../../src/notify/create-notifications.ts';
import { createPki } from '../../harness/pki.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { testLogger } from '../../harness/memory-log.ts';
import { counted } from '../../harness/notify/notification-counter.ts';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../harness/notify/smtp-sink.ts';

const templates = { drain: 'Draining node %s', reboot: 'Rebooting node %s', uncordon: 'Node %s rebooted & uncordoned successfully!' };
const PASSWORD = 'Sm7pPassw0rd-kreboot';

async function sink(t: TestContext, options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const server = await startSmtpSink(options);
  t.after(() => server.close());
  return server;
}

function notifications(t: TestContext, url: string, extra: { smtpCa?: string } = {}, sinkLog: () => string[] = () => []) {
  const { log, lines } = testLogger(t, () => `--- smtp server ---\n${sinkLog().join('\n')}`);
  const registry = new Registry();
  const n = createNotifications({
    config: { urls: [url], slackHookUrl: '', slackUsername: 'kured', slackChannel: '', templates },
    log,
    registry,
    timeoutMs: 5000,
    policy: { maxAttempts: 2, backoffBaseMs: 10, backoffMaxMs: 20 },
    ...extra,
  });
  t.after(() => n.close(1000));
  return { n, registry, lines };
}

function testCa(t: TestContext): { cert: string; key: string; ca: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kreboot-smtp-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const pki = createPki(dir);
  return { cert: pki.serving.cert, key: pki.serving.key, ca: readFileSync(pki.caCert, 'utf8') };
}

test('STARTTLS and AUTH PLAIN: every message arrives as one mail to all recipients', async (t) => {
  const tls = testCa(t);
  const server = await sink(t, { user: 'kreboot@example.com', password: PASSWORD, cert: tls.cert, key: tls.key, requireStartTls: true });
  const url = `smtp://kreboot%40example.com:${PASSWORD}@127.0.0.1:${server.port}/?from=kreboot@example.com&fromname=kreboot&to=ops@example.com,oncall@example.com&subject=Reboots&encryption=ExplicitTLS&auth=Plain&clienthost=controller.example.com`;
  const { n, registry, lines } = notifications(t, url, { smtpCa: tls.ca }, () => server.log);
  n.notify({ kind: 'drain', node: 'worker-1' });
  n.notify({ kind: 'uncordon', node: 'worker-1', durationMs: 60_000 });
  const mails = await server.waitForMails(2);
  assert.equal(await n.drain(10_000), true);
  for (const mail of mails) {
    assert.equal(mail.mail_from, 'kreboot@example.com');
    assert.deepEqual(mail.rcpt_tos, ['ops@example.com', 'oncall@example.com']);
    assert.equal(mail.user, 'kreboot@example.com');
    assert.equal(mail.tls, true);
    assert.equal(mail.helo, 'controller.example.com');
    assert.match(mail.data, /^From: kreboot <kreboot@example\.com>$/m);
    assert.match(mail.data, /^To: ops@example\.com, oncall@example\.com$/m);
    assert.match(mail.data, /^Subject: Reboots$/m);
  }
  assert.match(mails[0]?.data ?? '', /\r?\n\r?\nDraining node worker-1/);
  assert.match(mails[1]?.data ?? '', /Node worker-1 rebooted & uncordoned successfully!/);
  assert.equal(await counted(registry, 'smtp', 'sent'), 2);
  assert.ok(!lines.join('\n').includes(PASSWORD));
});

test('plain SMTP without TLS or AUTH (encryption=Auto on a server that offers neither)', async (t) => {
  const server = await sink(t);
  const { n, registry } = notifications(
    t,
    `smtp://127.0.0.1:${server.port}/?from=kreboot@example.com&to=ops@example.com`,
    {},
    () => server.log,
  );
  n.notify({ kind: 'reboot', node: 'worker-2' });
  const [mail] = await server.waitForMails(1);
  assert.equal(mail?.tls, false);
  assert.equal(mail?.user, null);
  assert.match(mail?.data ?? '', /^Subject: kreboot$/m);
  assert.match(mail?.data ?? '', /Rebooting node worker-2/);
  await waitFor(async () => (await counted(registry, 'smtp', 'sent')) === 1, { timeoutMs: 10_000, what: 'the mail to be counted as sent' });
});

test('a wrong password is refused by the server: counted as failed, not retried, the password never logged', async (t) => {
  const tls = testCa(t);
  const server = await sink(t, { user: 'kreboot@example.com', password: PASSWORD, cert: tls.cert, key: tls.key });
  const wrong = 'Wr0ngPassw0rd-kreboot';
  const { n, registry, lines } = notifications(
    t,
    `smtp://kreboot%40example.com:${wrong}@127.0.0.1:${server.port}/?from=kreboot@example.com&to=ops@example.com&encryption=ExplicitTLS`,
    { smtpCa: tls.ca },
    () => server.log,
  );
  n.notify({ kind: 'halted', node: 'worker-3', reason: 'did not come back' });
  await waitFor(async () => (await counted(registry, 'smtp', 'failed')) === 1, { timeoutMs: 10_000, what: 'the failure to be counted' });
  assert.equal(await counted(registry, 'smtp', 'retried'), 0);
  assert.deepEqual(server.mails, []);
  assert.match(n.status()[0]?.lastError ?? '', /smtp EAUTH \(reply 535\)/);
  assert.ok(!lines.join('\n').includes(wrong) && !lines.join('\n').includes(PASSWORD));
});

test('encryption=ExplicitTLS against a server without STARTTLS fails instead of sending in the clear', async (t) => {
  const server = await sink(t);
  const { n, registry } = notifications(
    t,
    `smtp://127.0.0.1:${server.port}/?from=kreboot@example.com&to=ops@example.com&encryption=ExplicitTLS`,
    {},
    () => server.log,
  );
  n.notify({ kind: 'drain', node: 'worker-4' });
  await waitFor(async () => (await counted(registry, 'smtp', 'failed')) === 1, { timeoutMs: 20_000, what: 'the failure to be counted' });
  assert.deepEqual(server.mails, []);
});

test('encryption=Auto with a password, on a server that offers no STARTTLS: no AUTH is sent, the delivery fails and says why', async (t) => {
  // A server that would accept AUTH over plain text (or a path that strips STARTTLS from its EHLO).
  const server = await sink(t, { user: 'kreboot@example.com', password: PASSWORD });
  const { n, registry, lines } = notifications(
    t,
    `smtp://kreboot%40example.com:${PASSWORD}@127.0.0.1:${server.port}/?from=kreboot@example.com&to=ops@example.com`,
    {},
    () => server.log,
  );
  n.notify({ kind: 'drain', node: 'worker-5' });
  await waitFor(async () => (await counted(registry, 'smtp', 'failed')) === 1, { timeoutMs: 20_000, what: 'the failure to be counted' });
  assert.deepEqual(server.authCommands, []);
  assert.deepEqual(server.mails, []);
  assert.match(n.status()[0]?.lastError ?? '', /no STARTTLS.*encryption=None/);
  assert.ok(!lines.join('\n').includes(PASSWORD));
});

test('encryption=None is the explicit opt-in: the password goes over the plain connection, and the mail arrives', async (t) => {
  const server = await sink(t, { user: 'kreboot@example.com', password: PASSWORD });
  const { n, registry } = notifications(
    t,
    `smtp://kreboot%40example.com:${PASSWORD}@127.0.0.1:${server.port}/?from=kreboot@example.com&to=ops@example.com&encryption=None`,
    {},
    () => server.log,
  );
  n.notify({ kind: 'drain', node: 'worker-6' });
  const [mail] = await server.waitForMails(1);
  assert.equal(mail?.user, 'kreboot@example.com');
  assert.equal(mail?.tls, false);
  assert.equal(server.authCommands.length, 1);
  assert.equal(server.authCommands[0]?.tls, false);
  await waitFor(async () => (await counted(registry, 'smtp', 'sent')) === 1, { timeoutMs: 10_000, what: 'the mail to be counted as sent' });
});

test('shutdown gives up a mail whose server never answers, well before the send timeout', { timeout: 30_000 }, async (t) => {
  // Accepts the connection and never sends the 220 greeting: a mail server that hangs.
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  const { log } = testLogger(t);
  const registry = new Registry();
  const n = createNotifications({
    config: {
      urls: [`smtp://127.0.0.1:${port}/?from=kreboot@example.com&to=ops@example.com`],
      slackHookUrl: '',
      slackUsername: 'kured',
      slackChannel: '',
      templates,
    },
    // A send timeout longer than the test's own: only the shutdown can end this send in time.
    log,
    registry,
    timeoutMs: 120_000,
  });
  n.notify({ kind: 'drain', node: 'worker-5' });
  await waitFor(() => sockets.size === 1, { timeoutMs: 10_000, what: 'the connection to the hanging server' });
  await n.close(100);
  assert.equal(await counted(registry, 'smtp', 'dropped'), 1);
  assert.equal(await counted(registry, 'smtp', 'sent'), 0);
});
