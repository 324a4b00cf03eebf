// Matrix against a loopback homeserver stand-in (matrix-sink.ts): password login once, rooms
// joined by alias and ID, every message of a rollout in order in each room, an access token given
// directly, the account's joined rooms when none are listed, a new login after the token is
// revoked, and a wrong password counted as failed without reaching the log.

import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Registry } from 'prom-client';
import { createNotifications } from '../../../src/notify/create-notifications.ts';
import { startHttpSink } from '../../harness/http-sink.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { testLogger } from '../../harness/memory-log.ts';
import { counted } from '../../harness/notify/notification-counter.ts';
import { MATRIX, startMatrixSink } from '../../harness/notify/matrix-sink.ts';

const templates = { drain: 'Draining node %s', reboot: 'Rebooting node %s', uncordon: 'Node %s rebooted & uncordoned successfully!' };

async function setup(t: TestContext, url: (host: string) => string) {
  const sink = await startHttpSink();
  t.after(() => sink.close());
  const matrix = startMatrixSink(sink);
  const { log, lines } = testLogger(
    t,
    () => `matrix rejections: ${matrix.rejections.join('\n')}\nrequests: ${sink.requests.map((r) => `${r.method} ${r.path}`).join('\n')}`,
  );
  const registry = new Registry();
  const n = createNotifications({
    config: { urls: [url(`127.0.0.1:${sink.port}`)], slackHookUrl: '', slackUsername: 'kured', slackChannel: '', templates },
    log,
    registry,
    timeoutMs: 5000,
    policy: { maxAttempts: 3, backoffBaseMs: 10, backoffMaxMs: 20 },
  });
  t.after(() => n.close(1000));
  return { sink, matrix, n, registry, lines };
}

test('logs in once, joins each room, and posts every message in order to each', async (t) => {
  const { matrix, n, registry, lines } = await setup(
    t,
    (host) => `matrix://${MATRIX.user}:${MATRIX.password}@${host}/?rooms=ops:example.org,!rebootRoom:example.org&disabletls=yes`,
  );
  n.notify({ kind: 'drain', node: 'worker-1' });
  n.notify({ kind: 'reboot', node: 'worker-1' });
  n.notify({ kind: 'uncordon', node: 'worker-1' });
  assert.equal(await n.drain(15_000), true);
  const expected = ['Draining node worker-1', 'Rebooting node worker-1', 'Node worker-1 rebooted & uncordoned successfully!'];
  assert.deepEqual(matrix.messages.get('!opsRoom:example.org'), expected);
  assert.deepEqual(matrix.messages.get('!rebootRoom:example.org'), expected);
  assert.deepEqual(matrix.rejections, []);
  assert.equal(matrix.logins(), 1, 'one login shared by both rooms');
  assert.equal(await counted(registry, 'matrix', 'sent'), 6);
  assert.ok(!lines.join('\n').includes(MATRIX.password));
});

test('an access token instead of a password, and the joined rooms when none are listed', async (t) => {
  const { matrix, n } = await setup(t, (host) => `matrix://:${MATRIX.accessToken}@${host}/?disabletls=yes&title=kreboot`);
  matrix.preJoin('!opsRoom:example.org');
  matrix.preJoin('!rebootRoom:example.org');
  n.notify({ kind: 'halted', node: 'worker-2', reason: 'did not come back' });
  assert.equal(await n.drain(15_000), true);
  const text = 'kreboot\nReboot rollout halted at node worker-2: did not come back';
  assert.deepEqual(matrix.messages.get('!opsRoom:example.org'), [text]);
  assert.deepEqual(matrix.messages.get('!rebootRoom:example.org'), [text]);
  assert.equal(matrix.logins(), 0);
});

test('a revoked token leads to a new login and the message still arrives once', async (t) => {
  const { matrix, n, registry } = await setup(
    t,
    (host) => `matrix://${MATRIX.user}:${MATRIX.password}@${host}/?rooms=%23ops:example.org&disabletls=yes`,
  );
  n.notify({ kind: 'drain', node: 'worker-3' });
  await waitFor(() => matrix.messages.get('!opsRoom:example.org')?.length === 1, { timeoutMs: 10_000, what: 'the first message' });
  matrix.revokeTokens();
  n.notify({ kind: 'reboot', node: 'worker-3' });
  assert.equal(await n.drain(15_000), true);
  assert.deepEqual(matrix.messages.get('!opsRoom:example.org'), ['Draining node worker-3', 'Rebooting node worker-3']);
  assert.equal(matrix.logins(), 2);
  assert.equal(await counted(registry, 'matrix', 'retried'), 1);
});

test('a wrong password and an unknown room are counted as failed', async (t) => {
  const wrong = await setup(t, (host) => `matrix://${MATRIX.user}:NotThePassword1@${host}/?rooms=%23ops:example.org&disabletls=yes`);
  wrong.n.notify({ kind: 'drain', node: 'worker-4' });
  await waitFor(async () => (await counted(wrong.registry, 'matrix', 'failed')) === 1, {
    timeoutMs: 10_000,
    what: 'the failure to be counted',
  });
  assert.match(wrong.n.status()[0]?.lastError ?? '', /HTTP 403: M_FORBIDDEN/);
  assert.ok(!wrong.lines.join('\n').includes('NotThePassword1'));

  const unknown = await setup(
    t,
    (host) => `matrix://${MATRIX.user}:${MATRIX.password}@${host}/?rooms=%23nowhere:example.org&disabletls=yes`,
  );
  unknown.n.notify({ kind: 'drain', node: 'worker-4' });
  await waitFor(async () => (await counted(unknown.registry, 'matrix', 'failed')) === 1, {
    timeoutMs: 10_000,
    what: 'the failure to be counted',
  });
  assert.match(unknown.n.status()[0]?.lastError ?? '', /HTTP 404: M_NOT_FOUND/);
  assert.equal(unknown.matrix.messages.size, 0);
});
