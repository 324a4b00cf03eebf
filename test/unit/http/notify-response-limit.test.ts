// The notification transport refuses an oversized answer from a chat service instead of
// buffering it (the Prometheus client's limit is tested in test/unit/prometheus/).

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createHttpTransport, MAX_RESPONSE_BYTES } from '../../../src/notify/http-transport.ts';

const server = createServer((req, res) => {
  if (req.url === '/ok') return void res.end('ok');
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.on('error', () => {});
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  let sent = 0;
  const pump = () => {
    while (sent < MAX_RESPONSE_BYTES * 8) {
      sent += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
});
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

test('an answer over the limit is a delivery error naming the limit; a small one is read', async () => {
  const transport = createHttpTransport({ timeoutMs: 10_000 });
  await assert.rejects(
    transport.request({ method: 'POST', url: `${base}/huge`, headers: {}, body: 'x' }),
    new RegExp(`response larger than ${MAX_RESPONSE_BYTES} bytes`),
  );
  assert.equal((await transport.request({ method: 'POST', url: `${base}/ok`, headers: {}, body: 'x' })).body, 'ok');
});
