import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startHttpSink, type HttpSink } from '../../harness/http-sink.ts';
import { createPrometheusClient } from '../../../src/prometheus/prometheus-client.ts';

const dir = mkdtempSync(join(tmpdir(), 'kreboot-prom-client-'));
const none = { bearerTokenFile: '', username: '', passwordFile: '', caFile: '', timeoutMs: 2000 };
const vector = {
  status: 'success',
  data: {
    resultType: 'vector',
    result: [{ metric: { __name__: 'ALERTS', alertname: 'HighLoad', alertstate: 'firing' }, value: [1, '1'] }],
  },
};

let sink: HttpSink;
before(async () => {
  sink = await startHttpSink();
});
after(() => sink.close());

test('instant query: POST form to <url>/api/v1/query under a path prefix, with a rotating bearer token', async () => {
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, 'first\n');
  sink.respond('/prom/api/v1/query', { status: 200, body: vector });
  const { client, problems } = createPrometheusClient({ ...none, url: new URL(`${sink.url}/prom`), bearerTokenFile: tokenFile });
  assert.deepEqual(problems, []);
  assert.deepEqual(await client.query('ALERTS'), { resultType: 'vector', series: [{ metric: vector.data.result[0]!.metric, value: 1 }] });
  writeFileSync(tokenFile, 'second\n');
  await client.query('ALERTS');
  const requests = sink.received('/prom/api/v1/query');
  assert.equal(requests[0]?.method, 'POST');
  assert.equal(requests[0]?.body, 'query=ALERTS');
  assert.deepEqual(
    requests.map((r) => r.headers.authorization),
    ['Bearer first', 'Bearer second'],
  );
});

test('basic auth from a password file', async () => {
  const passwordFile = join(dir, 'password');
  writeFileSync(passwordFile, 'pw\n');
  sink.clear();
  sink.respond('/api/v1/query', { status: 200, body: vector });
  const { client } = createPrometheusClient({ ...none, url: new URL(sink.url), username: 'prom', passwordFile });
  await client.query('up');
  assert.equal(sink.received('/api/v1/query')[0]?.headers.authorization, `Basic ${Buffer.from('prom:pw').toString('base64')}`);
});

test('errors are readable: API errors, HTTP errors, timeouts, refused connections, bad results', async () => {
  const { client } = createPrometheusClient({ ...none, url: new URL(sink.url), timeoutMs: 300 });
  sink.respond('/api/v1/query', { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 3' } });
  await assert.rejects(client.query('up{'), /query failed: bad_data: parse error at char 3/);
  sink.respond('/api/v1/query', { status: 502, body: 'bad gateway' });
  await assert.rejects(client.query('up'), /query failed: HTTP 502/);
  sink.respond('/api/v1/query', { status: 200, body: { status: 'success', data: { resultType: 'vector', result: 'nope' } } });
  await assert.rejects(client.query('up'), /malformed response/);
  sink.respond('/api/v1/query', { status: 200, body: vector, delayMs: 2000 });
  await assert.rejects(client.query('up'), /unreachable: timeout of 300ms exceeded/);
  const closed = createPrometheusClient({ ...none, url: new URL('http://127.0.0.1:1') }).client;
  await assert.rejects(closed.query('up'), /unreachable: .*ECONNREFUSED/);
});

test('credentials never appear in error messages or the shown URL', async () => {
  const { client } = createPrometheusClient({ ...none, url: new URL('http://user:hunter2@127.0.0.1:1/') });
  assert.equal(client.url, 'http://127.0.0.1:1/');
  await assert.rejects(client.query('up'), (error: Error) => !error.message.includes('hunter2'));
});

test('a CA file makes a private HTTPS Prometheus trusted; unreadable files are problems', async () => {
  const key = join(dir, 'tls.key');
  const cert = join(dir, 'tls.crt');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      key,
      '-out',
      cert,
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
    ],
    { stdio: 'ignore' },
  );
  const server = createServer({ key: readFileSync(key), cert: readFileSync(cert) }, (_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(vector));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}`);
    const trusted = createPrometheusClient({ ...none, url, caFile: cert });
    assert.deepEqual(trusted.problems, []);
    assert.equal((await trusted.client.query('ALERTS')).resultType, 'vector');
    await assert.rejects(createPrometheusClient({ ...none, url }).client.query('ALERTS'), /unreachable: .*certificate/);
  } finally {
    server.close();
    server.closeAllConnections();
  }
  const { problems } = createPrometheusClient({
    ...none,
    url: new URL(sink.url),
    caFile: join(dir, 'nope.pem'),
    bearerTokenFile: join(dir, 'nope-token'),
  });
  assert.deepEqual(
    problems.map((p) => p.split(':')[0]),
    ['--prometheus-ca-file', '--prometheus-bearer-token-file'],
  );
});
