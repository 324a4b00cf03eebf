// The status event stream cannot exhaust the controller (issue 26, item 7): readers that never
// read are closed once they fall behind and the bytes queued for all streams stay under the
// budget; the status is rendered once per change for every stream of a view, not once per stream;
// and what a stream may ask for is bounded (?limit=0, every node, is refused on the stream).
// Real HTTP server on 127.0.0.1, real sockets that stop reading.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createStatusFeed } from '../../../src/controller/status/status-feed.ts';
import { createStatusRouter } from '../../../src/controller/status/status-routes.ts';
import { createStatusStreams, STREAM_LIMITS } from '../../../src/controller/status/status-streams.ts';
import { sseParser } from '../../../src/cli/status-watch.ts';
import type { NodeStatus, Status } from '../../../src/controller/status/status.ts';
import { createBaseApp, listen, type Listening } from '../../../src/http/base-server.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { AT, ago, sampleStatus } from '../../harness/operator-view/sample-status.ts';

/** 2,000 nodes with long reasons: a 1,000-node view is about 600 KB of JSON. */
function bigStatus(version: number): Status {
  const nodes: NodeStatus[] = Array.from({ length: 2000 }, (_, i) => ({
    name: `node-${String(i).padStart(5, '0')}`,
    phase: 'waiting',
    reason: `prometheus-alerts: change ${version}: ${'an alert with a long description '.repeat(12)}`,
    since: ago(30),
    request: { at: ago(60), kind: 'alert' },
    rebootRequired: true,
    ready: true,
    unschedulable: false,
    attempts: undefined,
  }));
  return sampleStatus({ nodes, nodesTotal: nodes.length, queue: [], inFlight: [], lockHolders: [] });
}

let version = 0;
let current = bigStatus(version);
let builds = 0;
const feed = createStatusFeed({
  build: () => {
    builds++;
    return current;
  },
  settleMs: 1,
  tickMs: 60_000,
});
const streams = createStatusStreams({ feed, status: () => current });
let server: Listening;
let base = '';
const sockets = new Set<Socket>();

before(async () => {
  const app = createBaseApp({ registry: new Registry() });
  app.use(createStatusRouter({ status: () => current, streams, clock: () => AT }));
  server = await listen(app, '127.0.0.1', 0);
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  base = `http://127.0.0.1:${server.port}`;
});
after(async () => {
  streams.close();
  feed.close();
  await server.close();
});

/** Bytes the server holds for its clients, not yet taken by the kernel. */
const queuedBytes = () => [...sockets].reduce((sum, socket) => sum + socket.writableLength, 0);

/** A client that asks for the stream and never reads a byte of the answer. */
function neverReads(path: string): Socket {
  const socket = connect(server.port, '127.0.0.1');
  socket.pause();
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  socket.on('error', () => {});
  return socket;
}

async function change(): Promise<void> {
  const before = builds;
  current = bigStatus(++version);
  feed.changed();
  await waitFor(() => builds > before, { timeoutMs: 5000, what: 'the feed to rebuild' });
  await new Promise((resolve) => setImmediate(resolve));
}

describe('status event streams are bounded', () => {
  it('readers that never read are closed, and the bytes queued for them stay under the budget', { timeout: 120_000 }, async () => {
    const readers = Array.from({ length: 8 }, () => neverReads('/api/v1/status/events?limit=1000'));
    await waitFor(() => sockets.size === 8, { timeoutMs: 5000, what: 'the 8 connections' });
    const budget = STREAM_LIMITS.bytesInFlight;
    let most = 0;
    // Change the status until the server has let every stream go, or its queue shows it will not.
    for (let round = 0; round < 200 && sockets.size > 0; round++) {
      await change();
      most = Math.max(most, queuedBytes());
      if (most > 2 * budget) break;
    }
    assert.ok(most <= budget, `at most ${budget} bytes queued for the streams (the most seen: ${most})`);
    assert.equal(sockets.size, 0, 'every stream that stopped reading was closed');
    for (const reader of readers) reader.destroy();
  });

  it('one render per change for every stream of the same view', async () => {
    const followers = Array.from({ length: 6 }, () => follow('/api/v1/status/events?limit=50'));
    await waitFor(() => followers.every((stream) => stream.events >= 1), { timeoutMs: 5000, what: 'the first events' });
    const before = streams.renders;
    await change();
    await waitFor(() => followers.every((stream) => stream.events >= 2), { timeoutMs: 5000, what: 'the change on every stream' });
    assert.equal(streams.renders - before, 1, 'rendered once for six streams');
    for (const stream of followers) stream.stop();
    await waitFor(() => streams.count === 0, { timeoutMs: 5000, what: 'the streams closed' });
  });

  it('refuses limit=0 and limits past the maximum on the stream with a 400 naming the range; the JSON route still lists every node', async () => {
    for (const limit of ['0', String(STREAM_LIMITS.maxLimit + 1), '-1']) {
      const response = await fetch(`${base}/api/v1/status/events?limit=${limit}`);
      assert.equal(response.status, 400, `limit=${limit}`);
      assert.match(((await response.json()) as { error: string }).error, new RegExp(`limit must be 1 to ${STREAM_LIMITS.maxLimit}`));
    }
    const all = (await (await fetch(`${base}/api/v1/status?limit=0`)).json()) as Status;
    assert.equal(all.nodes.length, 2000);
  });
});

/** Follows a stream, counting its status events. */
function follow(path: string): { events: number; stop: () => void } {
  const state = { events: 0, stop: () => controller.abort() };
  const controller = new AbortController();
  void (async () => {
    try {
      const response = await fetch(`${base}${path}`, { signal: controller.signal });
      const decoder = new TextDecoder();
      const parse = sseParser((event) => {
        if (event === 'status') state.events++;
      });
      for await (const chunk of response.body!) parse(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch {
      // aborted
    }
  })();
  return state;
}
