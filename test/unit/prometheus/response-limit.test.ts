// The Prometheus client refuses a response larger than MAX_RESPONSE_BYTES instead of buffering it,
// whether or not the server announces its length, and reads a normal one.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createPrometheusClient, MAX_RESPONSE_BYTES } from '../../../src/prometheus/prometheus-client.ts';

const server = createServer((req, res) => {
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  if (req.url?.startsWith('/small/')) {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"success","data":{"resultType":"vector","result":[]}}');
    return;
  }
  res.writeHead(
    200,
    req.url?.startsWith('/announced/')
      ? { 'Content-Type': 'application/json', 'Content-Length': MAX_RESPONSE_BYTES * 4 }
      : { 'Content-Type': 'application/json' },
  );
  res.write('{"status":"success","data":{"resultType":"vector","result":[],"pad":"');
  let sent = 0;
  // Streams up to four times the limit; the client must stop long before the end.
  const pump = () => {
    while (sent < MAX_RESPONSE_BYTES * 4) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end('"}}');
  };
  res.on('error', () => {});
  pump();
});
const none = { bearerTokenFile: '', username: '', passwordFile: '', caFile: '', timeoutMs: 10_000 };
let base: string;

before(async () => {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => {
  server.closeAllConnections();
  server.close();
});

for (const kind of ['announced', 'streamed']) {
  test(`a ${kind} response over the limit is refused with a readable error`, async () => {
    const { client } = createPrometheusClient({ ...none, url: new URL(`${base}/${kind}/`) });
    await assert.rejects(client.query('up'), new RegExp(`answered more than ${MAX_RESPONSE_BYTES} bytes`));
  });
}

test('a normal response is read', async () => {
  const { client } = createPrometheusClient({ ...none, url: new URL(`${base}/small/`) });
  assert.deepEqual(await client.query('up'), { resultType: 'vector', series: [] });
});
