// The status of a large cluster: the API and the page show the nodes to look at first, filtered on
// request, with counts that always describe every node; bad parameters are a 400 naming them; the
// status is built once per change, not once per request.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createStatusCache } from '../../../src/controller/status/status-cache.ts';
import { createStatusFeed } from '../../../src/controller/status/status-feed.ts';
import { createStatusStreams } from '../../../src/controller/status/status-streams.ts';
import { createStatusRouter, parseStatusView } from '../../../src/controller/status/status-routes.ts';
import { viewStatus, type NodeStatus, type Status } from '../../../src/controller/status/status.ts';
import { formatStatus } from '../../../src/cli/status-text.ts';
import { createBaseApp, listen, type Listening } from '../../../src/http/base-server.ts';
import { AT, ago, sampleStatus } from '../../harness/operator-view/sample-status.ts';

/** 1 rebooting, 2 failed, 3 waiting, 1,000 queued, 4,000 done: a cluster mid-rollout. */
function largeStatus(): Status {
  const node = (name: string, phase: string, since: string): NodeStatus => ({
    name,
    phase,
    reason: phase,
    since,
    request: undefined,
    rebootRequired: true,
    ready: true,
    unschedulable: false,
    attempts: undefined,
  });
  const nodes: NodeStatus[] = [node('n-rebooting', 'rebooting', ago(10))];
  for (let i = 0; i < 2; i++) nodes.push(node(`n-failed-${i}`, 'failed', ago(100)));
  for (let i = 0; i < 3; i++) nodes.push(node(`n-waiting-${i}`, 'waiting', ago(100)));
  const queue: string[] = [];
  for (let i = 0; i < 1000; i++) {
    nodes.push(node(`n-queued-${String(i).padStart(4, '0')}`, 'queued', ago(100)));
    queue.push(`n-queued-${String(999 - i).padStart(4, '0')}`);
  }
  for (let i = 0; i < 4000; i++) nodes.push(node(`n-done-${String(i).padStart(4, '0')}`, 'done', ago(5000 - i)));
  nodes.sort((a, b) => a.name.localeCompare(b.name));
  return sampleStatus({ nodes, queue, inFlight: ['n-rebooting'], nodesTotal: nodes.length, queueLength: queue.length });
}

describe('a limited view of the status', () => {
  const status = largeStatus();

  it('keeps the nodes to look at first: in flight, failed, waiting, then queued in queue order; listed by name', () => {
    const view = viewStatus(status, { limit: 10 });
    assert.equal(view.nodesTotal, 5006);
    assert.deepEqual(
      view.nodes.map((node) => node.name),
      [
        'n-failed-0',
        'n-failed-1',
        'n-queued-0996',
        'n-queued-0997',
        'n-queued-0998',
        'n-queued-0999',
        'n-rebooting',
        'n-waiting-0',
        'n-waiting-1',
        'n-waiting-2',
      ],
    );
    assert.deepEqual(view.queue, status.queue.slice(0, 10));
    assert.equal(view.queueLength, 1000);
    assert.deepEqual(view.progress, status.progress, 'counts describe every node');
  });

  it('filters by phase and name; limit 0 lists every match', () => {
    const done = viewStatus(status, { limit: 0, phases: ['done'] });
    assert.equal(done.nodes.length, 4000);
    assert.equal(done.nodesTotal, 4000);
    assert.ok(done.nodes.every((node) => node.phase === 'done'));
    const one = viewStatus(status, { limit: 500, node: 'n-done-0042' });
    assert.deepEqual(
      one.nodes.map((node) => node.name),
      ['n-done-0042'],
    );
    const latestDone = viewStatus(status, { limit: 2, phases: ['done'] });
    assert.deepEqual(
      latestDone.nodes.map((node) => node.name),
      ['n-done-3998', 'n-done-3999'],
      'the latest done first',
    );
  });

  it('a small cluster is shown whole and unchanged', () => {
    const small = sampleStatus();
    assert.equal(viewStatus(small, { limit: 500 }), small);
  });

  it('the CLI says how many nodes it does not show', () => {
    const text = formatStatus(viewStatus(status, { limit: 10 }), { now: AT });
    assert.match(text, /… 4996 more nodes not shown \(GET \/api\/v1\/status\?limit=0 lists every node/);
    assert.match(text, /queue: n-queued-0999, .* and 990 more/);
  });
});

describe('status parameters', () => {
  it('parses limit, phase and node; a bad one is named', () => {
    assert.deepEqual(parseStatusView({}, 500), { view: { limit: 500 } });
    assert.deepEqual(parseStatusView({ limit: '0', phase: 'failed,waiting', node: 'web' }, 500), {
      view: { limit: 0, phases: ['failed', 'waiting'], node: 'web' },
    });
    assert.match((parseStatusView({ limit: '-1' }, 500) as { error: string }).error, /limit must be a whole number/);
    assert.match((parseStatusView({ phase: 'failed,rebooted' }, 500) as { error: string }).error, /unknown phase "rebooted"/);
    assert.match((parseStatusView({ node: 'x'.repeat(254) }, 500) as { error: string }).error, /node must be at most 253 characters/);
  });
});

describe('the routes at 5,000 nodes', () => {
  let server: Listening;
  let base = '';
  let builds = 0;
  const cache = createStatusCache(() => 0);
  const status = cache.get(() => {
    builds++;
    return largeStatus();
  });
  const feed = createStatusFeed({ build: status, tickMs: 60_000 });

  before(async () => {
    const app = createBaseApp({ registry: new Registry() });
    app.use(createStatusRouter({ status, streams: createStatusStreams({ feed, status }), clock: () => AT }));
    server = await listen(app, '127.0.0.1', 0);
    base = `http://127.0.0.1:${server.port}`;
  });
  after(async () => {
    feed.close();
    await server.close();
  });

  it('the API lists 500 nodes by default, all with limit=0; the page 100 rows and a note; one build for all of it', async () => {
    const api = (await (await fetch(`${base}/api/v1/status`)).json()) as Status;
    assert.equal(api.nodes.length, 500);
    assert.equal(api.nodesTotal, 5006);
    const all = (await (await fetch(`${base}/api/v1/status?limit=0`)).json()) as Status;
    assert.equal(all.nodes.length, 5006);
    const page = await (await fetch(`${base}/`)).text();
    assert.equal(page.match(/<tr data-node=/g)?.length, 100);
    assert.match(page, /Showing the 100 nodes to look at first of 5006/);
    const failed = await (await fetch(`${base}/?phase=failed`)).text();
    assert.equal(failed.match(/<tr data-node=/g)?.length, 2);
    assert.equal(builds, 1, 'the status was built once for four requests');
    cache.clear();
    await fetch(`${base}/api/v1/status`);
    assert.equal(builds, 2, 'a change drops the cached status');
  });

  it('a bad parameter is a 400 naming it', async () => {
    const response = await fetch(`${base}/api/v1/status?phase=sleeping`);
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: string }).error, /unknown phase "sleeping"/);
    const stream = await fetch(`${base}/api/v1/status/events?limit=x`);
    assert.equal(stream.status, 400);
  });
});
