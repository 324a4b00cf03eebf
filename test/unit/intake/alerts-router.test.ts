import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createAuthenticator } from '../../../src/intake/webhook-auth.ts';
import { alertBody, post, startRouter, TOKEN, type Fixture } from './router-fixture.ts';

let fx: Fixture;
before(async () => {
  fx = await startRouter();
});
after(() => fx.close());

test('200 with a summary: accepted, withdrawn, ignored with reasons', async () => {
  fx.sink.calls.length = 0;
  const res = await post(fx.url, alertBody([
    { labels: { alertname: 'RebootRequired', node: 'n1' } },
    { labels: { alertname: 'RebootRequired', instance: 'n2:9100' } },
    { labels: { alertname: 'RebootRequired', node: 'ghost' } },
    { labels: { alertname: 'HighLoad', node: 'n3' } },
    { labels: { alertname: 'RebootRequired' } },
  ]));
  assert.equal(res.status, 200);
  assert.deepEqual(res.json, {
    accepted: ['n1', 'n2'],
    withdrawn: [],
    ignored: [
      { alertname: 'HighLoad', reason: 'not a reboot alert' },
      { alertname: 'RebootRequired', reason: 'no node label' },
      { alertname: 'RebootRequired', node: 'ghost', reason: 'unknown node' },
    ],
  });
  const resolved = await post(fx.url, alertBody([{ status: 'resolved', labels: { alertname: 'RebootRequired', node: 'n1' } }]));
  assert.deepEqual((resolved.json as { withdrawn: string[] }).withdrawn, ['n1']);
});

test('re-sends are harmless', async () => {
  const body = alertBody([{ labels: { alertname: 'RebootRequired', node: 'n3' } }]);
  for (let i = 0; i < 3; i++) assert.deepEqual((await post(fx.url, body)).json, { accepted: ['n3'], withdrawn: [], ignored: [] });
});

test('401 without or with wrong credentials, and the sink is never called', async () => {
  fx.sink.calls.length = 0;
  const body = alertBody([{ labels: { alertname: 'RebootRequired', node: 'n1' } }]);
  for (const authorization of ['', 'Bearer wrong', `Bearer ${TOKEN}x`, `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`, TOKEN, 'Bearer']) {
    const res = await post(fx.url, body, { authorization });
    assert.equal(res.status, 401, authorization);
  }
  const noHeader = await fetch(fx.url, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
  assert.equal(noHeader.status, 401);
  assert.match(noHeader.headers.get('www-authenticate') ?? '', /^Bearer/);
  assert.deepEqual(fx.sink.calls, []);
});

test('401 comes before the body is looked at (even a huge or non-JSON one)', async () => {
  const res = await post(fx.url, 'x'.repeat(200 * 1024), { authorization: 'Bearer nope', 'content-type': 'text/plain' });
  assert.equal(res.status, 401);
});

test('415 for another content type, 413 over the limit, 400 malformed JSON, 405 other methods', async () => {
  assert.equal((await post(fx.url, alertBody([]), { 'content-type': 'text/plain' })).status, 415);
  assert.equal((await post(fx.url, alertBody([]), { 'content-type': 'application/x-www-form-urlencoded' })).status, 415);
  assert.equal((await post(fx.url, alertBody([]), { 'content-type': 'application/json; charset=utf-8' })).status, 200);
  const big = await post(fx.url, JSON.stringify({ version: '4', alerts: [], pad: 'x'.repeat(65 * 1024) }));
  assert.equal(big.status, 413);
  assert.match(JSON.stringify(big.json), /larger than 65536 bytes/);
  const bad = await post(fx.url, '{"version": "4", "alerts": [');
  assert.equal(bad.status, 400);
  assert.match(JSON.stringify(bad.json), /malformed JSON/);
  assert.equal((await post(fx.url, '"just a string"')).status, 400);
  const get = await fetch(fx.url, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(get.status, 405);
});

test('400 names the field, and a bad payload changes nothing', async () => {
  fx.sink.calls.length = 0;
  const body = JSON.stringify({ version: '4', alerts: [{ status: 'firing', labels: { alertname: 'RebootRequired', node: 'n1' } }, { status: 'firing', labels: { alertname: 'RebootRequired', node: 5 } }] });
  const res = await post(fx.url, body);
  assert.equal(res.status, 400);
  assert.match(JSON.stringify(res.json), /alerts\[1\]\.labels\.node/);
  assert.deepEqual(fx.sink.calls, []);
});

test('503 when the store cannot be written, so Alertmanager retries', async () => {
  fx.sink.failing = true;
  try {
    const res = await post(fx.url, alertBody([{ labels: { alertname: 'RebootRequired', node: 'n1' } }]));
    assert.equal(res.status, 503);
    assert.match(JSON.stringify(res.json), /apiserver unavailable/);
  } finally {
    fx.sink.failing = false;
  }
});

test('basic auth works, and requests are counted by code', async () => {
  const basic = await startRouter({ auth: createAuthenticator({ username: 'am', password: 'pw:with:colons' }) });
  try {
    const body = alertBody([{ labels: { alertname: 'RebootRequired', node: 'n1' } }]);
    const ok = await post(basic.url, body, { authorization: `Basic ${Buffer.from('am:pw:with:colons').toString('base64')}` });
    assert.equal(ok.status, 200);
    assert.equal((await post(basic.url, body, { authorization: `Basic ${Buffer.from('am:pw').toString('base64')}` })).status, 401);
    assert.equal((await post(basic.url, body)).status, 401);
    const metrics = await basic.registry.metrics();
    assert.match(metrics, /kreboot_webhook_requests_total\{code="200"\} 1/);
    assert.match(metrics, /kreboot_webhook_requests_total\{code="401"\} 2/);
    assert.match(metrics, /kreboot_webhook_alerts_total\{outcome="accepted"\} 1/);
  } finally {
    await basic.close();
  }
});
