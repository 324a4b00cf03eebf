// Quiet maintenance and reboots by age, wired into the real controller, with the real Alertmanager:
// while kreboot reboots node A, A's node-down alert is silenced and node B's is not; once A is
// done nothing stays silenced and the node's record of its silences is gone. A node whose boot is
// older than --max-node-age is rebooted with no sentinel and no request, through the gates.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MERGE_PATCH } from '../../../src/kube/patch.ts';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { startMonitoring, type Monitoring } from '../../harness/monitoring.ts';
import { setUpWorld, waitForAllDone } from '../../harness/controller/controller-world.ts';

let cluster: Cluster;
let monitoring: Monitoring;
before(async () => {
  cluster = await startCluster();
  monitoring = await startMonitoring({
    alertmanagerConfig:
      'route: { receiver: none, group_wait: 1s, group_interval: 1s, repeat_interval: 1h }\nreceivers: [ { name: none } ]\n',
  });
});
after(async () => {
  await monitoring?.stop();
  await cluster?.stop();
});

interface AmAlert {
  labels: Record<string, string>;
  status: { state: string; silencedBy: string[] };
}

async function pushNodeDown(nodes: readonly string[]): Promise<void> {
  const now = Date.now();
  const body = nodes.map((node) => ({
    labels: { alertname: 'KubeNodeNotReady', node },
    startsAt: new Date(now).toISOString(),
    endsAt: new Date(now + 600_000).toISOString(),
  }));
  const response = await fetch(`${monitoring.alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200);
}

async function silencedNodes(): Promise<string[]> {
  const alerts = (await (await fetch(`${monitoring.alertmanagerUrl}/api/v2/alerts`)).json()) as AmAlert[];
  return alerts
    .filter((alert) => alert.labels.alertname === 'KubeNodeNotReady' && alert.status.silencedBy.length > 0)
    .map((alert) => alert.labels.node!)
    .sort();
}

describe('quiet maintenance', () => {
  it("silences the rebooting node's node-down alerts only, and nothing stays silenced once it is done", async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 2,
      required: [0],
      rebootMs: 4000,
      controllerArgs: ['--trigger=node', `--alertmanager-url=${monitoring.alertmanagerUrl}`],
    });
    const [rebooting, other] = world.nodes as [string, string];
    await cluster.waitFor(async () => (await world.state(rebooting))?.phase === 'rebooting', {
      timeoutMs: 60_000,
      what: `${rebooting} rebooting`,
    });
    const recorded = JSON.parse((await world.node(rebooting)).metadata?.annotations?.['kreboot.dev/silences'] ?? '[]') as string[];
    assert.ok(recorded.length > 0, 'the silence IDs are recorded on the node');
    // The node goes down: both node-down alerts fire, only the rebooting node's is silenced.
    await pushNodeDown([rebooting, other]);
    await cluster.waitFor(async () => (await silencedNodes()).length > 0, { what: 'Alertmanager applies the silence' });
    assert.deepEqual(await silencedNodes(), [rebooting]);

    await waitForAllDone(cluster, world, [rebooting], 60_000);
    await cluster.waitFor(async () => (await world.node(rebooting)).metadata?.annotations?.['kreboot.dev/silences'] === undefined, {
      what: 'the silence record removed',
    });
    await pushNodeDown([rebooting, other]);
    await cluster.waitFor(async () => (await silencedNodes()).length === 0, { what: 'nothing silenced any more' });
    assert.deepEqual(world.monitor.violations(), []);
  });
});

describe('quiet maintenance with Alertmanager down (issue 26)', () => {
  it('a node done with recorded silences is rebooted again while Alertmanager is down, and they expire once it is back', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 1,
      required: [0],
      rebootMs: 3000,
      controllerArgs: ['--trigger=node', `--alertmanager-url=${monitoring.alertmanagerUrl}`, '--alertmanager-timeout=2s'],
    });
    const [node] = world.nodes as [string];
    t.after(() => monitoring.startAlertmanager());
    const recorded = async () => JSON.parse((await world.node(node)).metadata?.annotations?.['kreboot.dev/silences'] ?? '[]') as string[];
    await cluster.waitFor(async () => (await world.state(node))?.phase === 'rebooting', { timeoutMs: 60_000, what: `${node} rebooting` });
    const ids = await recorded();
    assert.ok(ids.length > 0, 'the silence IDs are recorded on the node');

    await monitoring.stopAlertmanager();
    await waitForAllDone(cluster, world, [node], 60_000);
    // Silences are a courtesy: the node's next reboot does not wait for Alertmanager to expire them.
    await world.agents.setRequired(node, true);
    await cluster.waitFor(async () => (world.agents.executed.get(node)?.length ?? 0) >= 2, {
      timeoutMs: 90_000,
      what: `${node} rebooted a second time while Alertmanager is down`,
    });
    await waitForAllDone(cluster, world, [node], 60_000);
    // The second cordon added "find them by matchers" (its silences are made once it lands), and no
    // reboot job's write could replace it with IDs while Alertmanager was down.
    assert.deepEqual(await recorded(), [...ids, 'by-matchers'], "the first reboot's silences are still recorded: nobody could expire them");

    await monitoring.startAlertmanager();
    await cluster.waitFor(async () => (await recorded()).length === 0, { timeoutMs: 120_000, what: 'the silence record removed' });
    for (const id of ids) {
      const silence = (await (await fetch(`${monitoring.alertmanagerUrl}/api/v2/silence/${id}`)).json()) as { status: { state: string } };
      assert.equal(silence.status.state, 'expired', `silence ${id} was expired (not lost with the restart)`);
    }
    assert.deepEqual(world.monitor.violations(), []);
  });
});

describe('reboots by age', () => {
  it('reboots a node whose boot is older than --max-node-age, with no sentinel and no request', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 2, controllerArgs: ['--max-node-age=1h'], startController: false });
    const [old, young] = world.nodes as [string, string];
    // The agents report how long ago their hosts booted (the test agents write what an agent would).
    const report = (name: string, agoMs: number) =>
      cluster.core.patchNode(
        { name, body: { metadata: { annotations: { 'kreboot.dev/boot-time': new Date(Date.now() - agoMs).toISOString() } } } },
        MERGE_PATCH,
      );
    await report(old, 2 * 3_600_000);
    await report(young, 60_000);
    await world.startController();
    await waitForAllDone(cluster, world, [old], 60_000);
    assert.equal(world.agents.executed.get(old)?.length, 1, 'the old node was rebooted');
    assert.equal(world.agents.executed.get(young)?.length ?? 0, 0, 'the young node was not');
    assert.equal(
      (await world.node(old)).metadata?.annotations?.['kreboot.dev/reboot-request'],
      undefined,
      'no request was recorded: the age is read off the node',
    );
  });
});
