// The live parts on a real HTTP server: the status event stream (JSON and the page's HTML body),
// its pushes after a change, coalesced and without repeats, its bad-input answer, and `kreboot
// status --watch` following it — redrawing in place on a terminal, one line per change on a pipe.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createStatusFeed } from '../../../src/controller/status/status-feed.ts';
import { createStatusStreams } from '../../../src/controller/status/status-streams.ts';
import { createStatusRouter } from '../../../src/controller/status/status-routes.ts';
import type { Status } from '../../../src/controller/status/status.ts';
import { changeLines } from '../../../src/cli/status-text.ts';
import { sseParser, watchStatus } from '../../../src/cli/status-watch.ts';
import { createBaseApp, listen, type Listening } from '../../../src/http/base-server.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { AT, ago, sampleStatus } from '../../harness/operator-view/sample-status.ts';

let current: Status = sampleStatus();
let builds = 0;
const feed = createStatusFeed({
  build: () => {
    builds++;
    return current;
  },
  settleMs: 10,
  tickMs: 60_000,
});
let server: Listening;
let base = '';

before(async () => {
  const app = createBaseApp({ registry: new Registry() });
  app.use(createStatusRouter({ status: () => current, streams: createStatusStreams({ feed, status: () => current }), clock: () => AT }));
  server = await listen(app, '127.0.0.1', 0);
  base = `http://127.0.0.1:${server.port}`;
});
after(async () => {
  feed.close();
  await server.close();
});

/** Opens the stream and collects its status events until aborted. */
function follow(path: string): { events: string[]; stop: () => void; done: Promise<void> } {
  const events: string[] = [];
  const controller = new AbortController();
  const done = (async () => {
    const response = await fetch(`${base}${path}`, { signal: controller.signal });
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const parse = sseParser((event, data) => event === 'status' && events.push(data));
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body!) parse(decoder.decode(chunk as Uint8Array, { stream: true }));
    } catch (error) {
      if (!controller.signal.aborted) throw error;
    }
  })();
  return { events, stop: () => controller.abort(), done };
}

const withPhase = (phase: string): Status => ({
  ...current,
  nodes: current.nodes.map((n) => (n.name === 'node-1' ? { ...n, phase, reason: `${phase} now`, since: ago(0) } : n)),
});

describe('status event stream', () => {
  it('sends the status at once, then each change once, a burst of changes as one', async () => {
    const stream = follow('/api/v1/status/events');
    await waitFor(() => stream.events.length === 1, { timeoutMs: 5000, what: 'the first event' });
    feed.changed(); // nothing changed: no event
    current = withPhase('verifying');
    feed.changed();
    feed.changed();
    feed.changed();
    await waitFor(() => stream.events.length === 2, { timeoutMs: 5000, what: 'the change pushed' });
    assert.equal((JSON.parse(stream.events[1]!) as Status).nodes[0]!.phase, 'verifying');
    // Nothing changed: the feed rebuilds (seen by the build count) and sends nothing. The next
    // event is then the next real change, not a repeat.
    const before = builds;
    feed.changed();
    await waitFor(() => builds > before, { timeoutMs: 5000, what: 'the feed rebuilt after the no-op change' });
    current = withPhase('done');
    feed.changed();
    await waitFor(() => stream.events.length >= 3, { timeoutMs: 5000, what: 'the next change pushed' });
    assert.equal((JSON.parse(stream.events[2]!) as Status).nodes[0]!.phase, 'done', 'an unchanged status is not sent again');
    assert.equal(stream.events.length, 3);
    stream.stop();
    await stream.done;
    await waitFor(() => feed.listeners === 0, { timeoutMs: 5000, what: 'the listener removed when the client left' });
  });

  it('sends the rendered body with format=html, the same body as /status/fragment', async () => {
    const stream = follow('/api/v1/status/events?format=html');
    await waitFor(() => stream.events.length === 1, { timeoutMs: 5000, what: 'the first event' });
    const fragment = await (await fetch(`${base}/status/fragment`)).text();
    assert.equal(stream.events[0], fragment);
    assert.match(fragment, /kreboot resume|data-state="active"/);
    stream.stop();
    await stream.done;
  });

  it('refuses an unknown format, changing nothing', async () => {
    const response = await fetch(`${base}/api/v1/status/events?format=xml`);
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /format must be json or html/);
    assert.equal(feed.listeners, 0);
  });
});

describe('kreboot status --watch', () => {
  it('on a pipe: the status as lines, then one line per change', async () => {
    current = sampleStatus();
    const written: string[] = [];
    const stop = new AbortController();
    const watching = watchStatus({
      server: base,
      out: { write: (text) => written.push(text), isTTY: false },
      signal: stop.signal,
      now: () => AT,
    });
    await waitFor(() => written.join('').includes('node-3 queued'), { timeoutMs: 5000, what: 'the first lines' });
    current = withPhase('verifying');
    feed.changed();
    await waitFor(() => written.join('').includes('node-1 rebooting -> verifying: verifying now'), {
      timeoutMs: 5000,
      what: 'the change line',
    });
    stop.abort();
    await watching;
    assert.ok(!written.join('').includes('\x1b['), 'no terminal escapes on a pipe');
  });

  it('on a terminal: the whole status redrawn in place', async () => {
    current = sampleStatus({ halted: { node: 'node-0', reason: 'node did not come back', at: ago(30) } });
    const written: string[] = [];
    const stop = new AbortController();
    const watching = watchStatus({
      server: base,
      out: { write: (text) => written.push(text), isTTY: true },
      signal: stop.signal,
      now: () => AT,
    });
    await waitFor(() => written.some((text) => text.includes('HALTED at node-0')), { timeoutMs: 5000, what: 'the halted screen' });
    const screen = written.find((text) => text.includes('HALTED'))!;
    assert.ok(screen.startsWith('\x1b[H\x1b[2J'), 'redrawn from the top');
    assert.match(screen, new RegExp(`kreboot resume --server=${base.replace(/\./g, '\\.')}`));
    stop.abort();
    await watching;
  });

  it('changeLines names what changed and nothing else', () => {
    const before = sampleStatus();
    const lines = changeLines(before, { ...before, halted: { node: 'node-1', reason: 'gone', at: ago(0) } }, AT);
    assert.deepEqual(lines, ['12:00:00 rollout halted at node-1: gone']);
  });
});
