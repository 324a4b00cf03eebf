// The Alertmanager API v2 client against a loopback sink: paths under a prefix, bodies, rotating
// credentials, readable errors, the response size cap, and expiring an already expired silence.
// Its behaviour against the real Alertmanager is in test/integration/alertmanager.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, test } from 'node:test';
import { startHttpSink, type HttpSink } from '../../harness/http-sink.ts';
import { createAlertmanagerClient } from '../../../src/alertmanager/alertmanager-client.ts';

const dir = mkdtempSync(join(tmpdir(), 'kreboot-am-client-'));
const none = { bearerTokenFile: '', username: '', passwordFile: '', caFile: '', timeoutMs: 2000 };
const matchers = [{ name: 'node', value: 'n1', isRegex: false, isEqual: true }];

let sink: HttpSink;
before(async () => {
  sink = await startHttpSink();
});
beforeEach(() => sink.clear());
after(() => sink.close());

test('creates a silence: POST JSON to <url>/api/v2/silences under a path prefix, with a rotating bearer token', async () => {
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'first\n');
  sink.respond('/am/api/v2/silences', { status: 200, body: { silenceID: 'abc' } });
  const { client, problems } = createAlertmanagerClient({ ...none, url: new URL(`${sink.url}/am`), bearerTokenFile: tokenFile });
  assert.deepEqual(problems, []);
  const silence = {
    matchers,
    startsAt: new Date('2026-01-01T00:00:00Z'),
    endsAt: new Date('2026-01-01T01:00:00Z'),
    createdBy: 'kreboot',
    comment: 'c',
  };
  assert.equal(await client.createSilence(silence), 'abc');
  writeFileSync(tokenFile, 'second\n');
  await client.createSilence({ ...silence, id: 'abc' });
  const [first, second] = sink.received('/am/api/v2/silences');
  assert.equal(first?.method, 'POST');
  assert.equal(first?.headers['content-type'], 'application/json');
  assert.deepEqual(first?.json(), {
    matchers,
    startsAt: '2026-01-01T00:00:00.000Z',
    endsAt: '2026-01-01T01:00:00.000Z',
    createdBy: 'kreboot',
    comment: 'c',
  });
  assert.equal((second?.json() as { id?: string }).id, 'abc');
  assert.deepEqual([first?.headers.authorization, second?.headers.authorization], ['Bearer first', 'Bearer second']);
});

test('lists alerts with the state filters and matchers as query parameters, with basic auth', async () => {
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, 'pw\n');
  sink.respond('/api/v2/alerts', {
    status: 200,
    body: [{ labels: { alertname: 'A', node: 'n1' }, status: { state: 'suppressed', silencedBy: ['s1'], inhibitedBy: [] } }],
  });
  const { client } = createAlertmanagerClient({ ...none, url: new URL(sink.url), username: 'am', passwordFile });
  const alerts = await client.alerts({ active: true, silenced: false, filter: ['alertname="A"', 'node=~"n.*"'] });
  assert.deepEqual(alerts, [{ labels: { alertname: 'A', node: 'n1' }, state: 'suppressed', silencedBy: ['s1'], inhibitedBy: [] }]);
  const request = sink.received('/api/v2/alerts')[0]!;
  const query = new URL(request.path, sink.url).searchParams;
  assert.equal(query.get('active'), 'true');
  assert.equal(query.get('silenced'), 'false');
  assert.equal(query.has('inhibited'), false);
  assert.deepEqual(query.getAll('filter'), ['alertname="A"', 'node=~"n.*"']);
  assert.equal(request.headers.authorization, `Basic ${Buffer.from('am:pw').toString('base64')}`);
});

test('expiring: 200 and 404 are done; "already expired" is done; any other failure throws', async () => {
  const { client } = createAlertmanagerClient({ ...none, url: new URL(sink.url) });
  sink.respond('/api/v2/silence/', { status: 200, body: '' });
  await client.expireSilence('a b');
  assert.equal(sink.received('/api/v2/silence/')[0]?.path, '/api/v2/silence/a%20b');
  assert.equal(sink.received('/api/v2/silence/')[0]?.method, 'DELETE');
  sink.respond('/api/v2/silence/', { status: 404, body: 'not found' });
  await client.expireSilence('gone');
  sink.respond('/api/v2/silence/', (r) =>
    r.method === 'DELETE'
      ? { status: 500, body: 'silence old already expired' }
      : { status: 200, body: { id: 'old', status: { state: 'expired' }, matchers } },
  );
  await client.expireSilence('old');
  sink.respond('/api/v2/silence/', (r) =>
    r.method === 'DELETE'
      ? { status: 500, body: 'storage broken' }
      : { status: 200, body: { id: 'x', status: { state: 'active' }, matchers } },
  );
  await assert.rejects(client.expireSilence('x'), /expiring silence x failed: HTTP 500 storage broken/);
});

test('errors are readable: HTTP errors, non-JSON answers, timeouts, refused connections, oversized answers', async () => {
  const { client } = createAlertmanagerClient({ ...none, url: new URL(sink.url), timeoutMs: 300, maxResponseBytes: 1000 });
  sink.respond('/api/v2/silences', { status: 400, body: 'silence invalid: start time must be before end time' });
  await assert.rejects(client.silences(), /listing silences failed: HTTP 400 silence invalid: start time must be before end time/);
  sink.respond('/api/v2/silences', { status: 200, body: '<html>proxy</html>' });
  await assert.rejects(client.silences(), /listing silences: the answer is not JSON/);
  sink.respond('/api/v2/alerts', { status: 200, body: { not: 'a list' } });
  await assert.rejects(client.alerts(), /listing alerts: the answer is not a list/);
  sink.respond('/api/v2/alerts', { status: 200, body: [], delayMs: 1500 });
  await assert.rejects(client.alerts(), /unreachable: timeout of 300ms exceeded/);
  sink.respond('/api/v2/alerts', {
    status: 200,
    body: Array.from({ length: 100 }, () => ({ labels: { alertname: 'Big' }, status: { state: 'active' } })),
  });
  await assert.rejects(client.alerts(), /unreachable: maxContentLength size of 1000 exceeded/);
  const closed = createAlertmanagerClient({ ...none, url: new URL('http://127.0.0.1:1') }).client;
  await assert.rejects(closed.alerts(), /Alertmanager http:\/\/127\.0\.0\.1:1\/ unreachable: .*ECONNREFUSED/);
});

test('unreadable credential and CA files are problems at start; the shown URL has no password', () => {
  const { client, problems } = createAlertmanagerClient({
    ...none,
    url: new URL('http://user:secret@am.example:9093/'),
    bearerTokenFile: '/nonexistent/token',
    caFile: '/nonexistent/ca.pem',
  });
  assert.equal(problems.length, 2);
  assert.match(problems.join('\n'), /--alertmanager-ca-file: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/);
  assert.match(problems.join('\n'), /--alertmanager-bearer-token-file: cannot read \/nonexistent\/token \(ENOENT\)/);
  assert.equal(client.url, 'http://am.example:9093/');
});
