// Requests reach the API server before the webhook answers: an Alertmanager payload posted to the
// replica that does NOT lead is recorded on the Node at once, and the leader reboots the node. A
// resolved alert withdraws a request that has not started; a bad payload changes nothing.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { setUpWorld, waitForAllDone } from '../../harness/controller/controller-world.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

function payload(status: 'firing' | 'resolved', nodes: readonly string[]) {
  return {
    version: '4',
    groupKey: '{}:{alertname="RebootRequired"}',
    truncatedAlerts: 0,
    status,
    receiver: 'kreboot',
    groupLabels: { alertname: 'RebootRequired' },
    commonLabels: { alertname: 'RebootRequired' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.invalid',
    alerts: nodes.map((node) => ({
      status,
      labels: { alertname: 'RebootRequired', node },
      annotations: {},
      startsAt: new Date().toISOString(),
      endsAt: status === 'firing' ? '0001-01-01T00:00:00Z' : new Date().toISOString(),
      generatorURL: 'http://prometheus.invalid/graph',
      fingerprint: `fp-${node}`,
    })),
  };
}

const post = (url: string, body: unknown) =>
  fetch(`${url}/api/v1/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

describe('webhook into the controller', () => {
  it('the non-leader records the request before answering, and the leader reboots the node', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 2, required: 'all', startController: false });
    const a = await world.startController(undefined, 'replica-a');
    const b = await world.startController(undefined, 'replica-b');
    await cluster.waitFor(async () => [await a.status(), await b.status()].filter((status) => status.leader).length === 1, {
      what: 'one leader',
    });
    const follower = (await a.status()).leader ? b : a;

    const malformed = await post(follower.url, '{"version":"4","alerts":[{"labels":');
    assert.equal(malformed.status, 400);
    const wrongShape = await post(follower.url, { version: '4', alerts: 'x' });
    assert.equal(wrongShape.status, 400);
    assert.match(await wrongShape.text(), /alerts/);
    const unknown = await post(follower.url, payload('firing', ['no-such-node']));
    assert.equal(unknown.status, 200);
    assert.match(await unknown.text(), /unknown node/);
    for (const node of world.nodes)
      assert.equal(
        (await world.node(node)).metadata?.annotations?.['kreboot.dev/reboot-request'],
        undefined,
        'nothing recorded by bad input',
      );

    const target = world.nodes[0]!;
    const accepted = await post(follower.url, payload('firing', [target]));
    assert.equal(accepted.status, 200);
    // Recorded before the answer: readable right away, no waiting.
    const request = (await world.node(target)).metadata?.annotations?.['kreboot.dev/reboot-request'];
    assert.ok(request, 'request recorded on the Node before the 200');
    assert.equal(JSON.parse(request).alertname, 'RebootRequired');
    // A duplicate re-send changes nothing.
    assert.equal((await post(follower.url, payload('firing', [target]))).status, 200);
    assert.equal((await world.node(target)).metadata?.annotations?.['kreboot.dev/reboot-request'], request);

    await waitForAllDone(cluster, world, [target]);
    assert.equal(world.agents.executed.get(target)?.length, 1);
    assert.equal(world.agents.executed.get(world.nodes[1]!)?.length, 0, 'no request, no reboot');
  });

  it('a RebootRequired alert for a node whose sentinel is clear makes the agent look again, and reboots nothing', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 1 });
    const node = world.nodes[0]!;
    assert.equal((await post(world.controller.url, payload('firing', [node]))).status, 200);
    await cluster.waitFor(async () => /withdrawn: the sentinel is not set/.test((await world.state(node))?.reason ?? ''), {
      what: 'request withdrawn after a fresh check',
    });
    const annotations = (await world.node(node)).metadata?.annotations ?? {};
    assert.ok(annotations['kreboot.dev/check-requested-at'], 'the controller asked the agent to check');
    assert.equal(annotations['kreboot.dev/reboot-request'], undefined);
    assert.equal(world.agents.executed.get(node)?.length, 0);
    assert.equal(world.monitor.maxInFlight(), 0, 'never cordoned');
  });

  it('serves requests oldest first, one at a time', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 3, required: 'all', rebootMs: 500 });
    const order = [world.nodes[2]!, world.nodes[0]!, world.nodes[1]!];
    for (const node of order) {
      assert.equal((await post(world.controller.url, payload('firing', [node]))).status, 200);
      // Distinct request times: the next request is sent once the clock has passed this one's.
      const at = await cluster.waitFor(
        async () => {
          const text = (await world.node(node)).metadata?.annotations?.['kreboot.dev/reboot-request'];
          return text ? (JSON.parse(text) as { at: string }).at : undefined;
        },
        { what: `${node}'s request recorded` },
      );
      await cluster.waitFor(() => Date.now() > Date.parse(at), { what: `the clock past ${at}` });
    }
    await waitForAllDone(cluster, world, order);
    const cordoned = world.monitor
      .transitions()
      .filter((line) => line.split(' ')[1] === 'cordoned')
      .map((line) => line.split(' ')[0]);
    assert.deepEqual(cordoned, order);
    assert.equal(world.monitor.maxInFlight(), 1);
  });

  it('a resolved alert withdraws a request that has not started', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 1, required: 'all' });
    const node = world.nodes[0]!;
    const paused = await world.controller.post('/api/v1/pause', { reason: 'hold' });
    assert.equal(paused.status, 200);
    assert.equal((await post(world.controller.url, payload('firing', [node]))).status, 200);
    await cluster.waitFor(async () => (await world.state(node))?.phase === 'waiting', { what: 'waiting while paused' });
    const resolved = await post(world.controller.url, payload('resolved', [node]));
    assert.equal(resolved.status, 200);
    assert.match(await resolved.text(), new RegExp(node));
    assert.equal((await world.node(node)).metadata?.annotations?.['kreboot.dev/reboot-request'], undefined, 'request withdrawn');
    // The withdrawal is an intent; the policy records it on its next cycle.
    await cluster.waitFor(async () => /withdrawn/.test((await world.state(node))?.reason ?? ''), {
      what: 'the node recorded as withdrawn',
    });
    assert.equal((await world.controller.post('/api/v1/resume')).status, 200);
    // The resume wakes the loop; two more cycles decide on the withdrawn, resumed node.
    await world.waitForCycles(2, 'to reboot a withdrawn node after the resume');
    assert.equal(world.agents.executed.get(node)?.length, 0, 'never rebooted');
    assert.equal(world.monitor.maxInFlight(), 0);
    assert.match((await world.state(node))?.reason ?? '', /withdrawn/, 'still recorded as withdrawn');
  });
});
