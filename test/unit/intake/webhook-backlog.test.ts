// The webhook's write backlog is capped with the writes a webhook brings (issue 26, item 11):
// checking the cap before queuing let a webhook of 10,000 nodes land on a backlog of 20,000 and
// take it to 30,000 (about 60 MiB held). Here the API never answers, so every write stays queued.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import express from 'express';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAlertsRouter } from '../../../src/intake/alerts-router.ts';
import { DEFAULT_WRITES_IN_FLIGHT } from '../../../src/intake/request-writer.ts';
import type { RequestSink } from '../../../src/intake/request-sink.ts';
import { createAuthenticator } from '../../../src/auth/authenticator.ts';
import { alertBody, CONFIG, post, TOKEN } from '../../harness/intake/alerts-router-server.ts';

test('a webhook whose writes would take the backlog past 20,000 is refused 503, and nothing of it is queued', async () => {
  let started = 0;
  const sink: RequestSink = {
    request: () => {
      started++;
      return new Promise(() => {});
    },
    withdraw: () => new Promise(() => {}),
  };
  const app = express();
  app.use(
    createAlertsRouter({
      config: { ...CONFIG, webhook: { ...CONFIG.webhook, bodyLimitBytes: 8 * 1024 * 1024 } },
      sink,
      log: pino({ level: 'silent' }),
      registry: new Registry(),
      auth: createAuthenticator({ token: TOKEN }),
    }),
  );
  const server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/alerts`;
  try {
    const webhook = (from: number) =>
      alertBody(Array.from({ length: 10_000 }, (_, i) => ({ labels: { alertname: 'RebootRequired', node: `node-${from + i}` } })));
    const first = await post(url, webhook(0));
    assert.equal(first.status, 200);
    assert.equal((first.json as { queued: string[] }).queued.length, 10_000 - 0);
    const second = await post(url, webhook(10_000));
    assert.equal(second.status, 200, 'the backlog reaches the cap exactly');
    const third = await post(url, webhook(20_000));
    assert.equal(third.status, 503, `a third webhook of 10,000 new nodes is refused (got ${third.status})`);
    assert.match((third.json as { error: string }).error, /still being written/);
    // The second webhook again adds nothing: its writes are all still queued (the first's are in flight).
    const repeat = await post(url, webhook(10_000));
    assert.equal(repeat.status, 200, 'a re-send of queued writes is taken: it adds nothing to the backlog');
    assert.equal(started, DEFAULT_WRITES_IN_FLIGHT, 'only the writes in flight reached the API');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});
