// The shared HTTP server under slow and greedy clients, on loopback with short limits so the test
// stays bounded: slow senders are cut at the header and request timeouts, connections over the cap
// are closed on accept, and the server keeps answering an honest client throughout.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { createBaseApp, listen, type Listening } from '../../../src/http/base-server.ts';
import type { ServerLimits } from '../../../src/http/server-limits.ts';

const LIMITS: ServerLimits = {
  headersTimeoutMs: 1000,
  requestTimeoutMs: 2000,
  keepAliveTimeoutMs: 500,
  checkIntervalMs: 100,
  maxConnections: 40,
};
let server: Listening;
const opened: Socket[] = [];

before(async () => {
  const app = createBaseApp({ registry: new Registry() });
  // A route that reads its body, as the webhook does.
  app.post('/read', (req, res) => {
    req.resume();
    req.on('end', () => res.end('read'));
  });
  server = await listen(app, '127.0.0.1', 0, LIMITS);
});
after(async () => {
  for (const socket of opened) socket.destroy();
  await server.close();
});

/** A client that sends a byte every 100 ms and never finishes; resolves when the server closes it. */
async function slowClient(start: string, drip: string): Promise<{ closed: Promise<number>; socket: Socket }> {
  const socket = connect(server.port, '127.0.0.1');
  opened.push(socket);
  socket.on('error', () => {});
  await once(socket, 'connect');
  const begun = Date.now();
  socket.write(start);
  const timer = setInterval(() => socket.write(drip), 100);
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      clearInterval(timer);
      resolve(Date.now() - begun);
    }),
  );
  return { closed, socket };
}

async function healthy(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${server.port}/healthz`, { signal: AbortSignal.timeout(2000) });
  await res.text();
  return res.status;
}

test('slow header senders are cut at the header timeout while the server keeps answering', { timeout: 20_000 }, async () => {
  const slow = await Promise.all(Array.from({ length: 30 }, () => slowClient('GET /healthz HTTP/1.1\r\nHost: x\r\n', 'X')));
  // 30 clients trickling headers: the server still answers at once.
  for (let i = 0; i < 5; i++) assert.equal(await healthy(), 200);
  // Each is cut although it keeps sending; a deadline bounds the wait (never a fixed sleep).
  const lifetimes = await Promise.race([
    Promise.all(slow.map((s) => s.closed)),
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('slow clients still open after 10 s')), 10_000)),
  ]);
  assert.ok(
    lifetimes.every((ms) => ms >= LIMITS.headersTimeoutMs - 100),
    `closed too early: ${lifetimes.join(', ')}`,
  );
  assert.equal(await healthy(), 200);
});

test('a slow body is cut at the request timeout', { timeout: 20_000 }, async () => {
  const slow = await slowClient('POST /read HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n', 'x');
  const lifetime = await Promise.race([
    slow.closed,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('slow body still open after 10 s')), 10_000)),
  ]);
  assert.ok(lifetime >= LIMITS.requestTimeoutMs - 100, `closed after ${lifetime} ms`);
});

test('connections over the cap are closed on accept, and the server serves again once slow ones are cut', { timeout: 20_000 }, async () => {
  const slow = await Promise.all(Array.from({ length: LIMITS.maxConnections }, () => slowClient('GET / HTTP/1.1\r\n', 'X')));
  // Over the cap: closed without an answer.
  const extra = connect(server.port, '127.0.0.1');
  opened.push(extra);
  extra.on('error', () => {});
  const [, data] = await Promise.all([
    once(extra, 'close'),
    new Promise<string>((resolve) => {
      let got = '';
      extra.on('data', (chunk: Buffer) => (got += chunk.toString()));
      extra.once('close', () => resolve(got));
    }),
  ]);
  assert.equal(data, '');
  await Promise.all(slow.map((s) => s.closed));
  assert.equal(await healthy(), 200);
});

test('a request no route takes is answered 404 without reading its announced body', { timeout: 20_000 }, async () => {
  const socket = connect(server.port, '127.0.0.1');
  opened.push(socket);
  socket.on('error', () => {});
  await once(socket, 'connect');
  socket.write(
    `POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${1024 * 1024 * 1024}\r\n\r\n${'x'.repeat(4096)}`,
  );
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  await once(socket, 'close');
  assert.match(received, /^HTTP\/1\.1 404 /);
  assert.match(received, /\r\nConnection: close\r\n/i);
  assert.match(received, /no such endpoint: POST \/nowhere/);
});
