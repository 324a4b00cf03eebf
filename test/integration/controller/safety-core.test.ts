// Regression tests for the seams issue 12 found between the places that used to decide a node's
// phase, each reproduced on the real control plane: an operator's reboot + resume on a halted node,
// a halt that only the nodes' records remember, a reboot job left armed after a timeout, and a
// remediation alert that Alertmanager re-sends after the node was rebooted for it.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { MERGE_PATCH } from '../../../src/kube/patch.ts';
import { LOCK_DS, setUpWorld, waitForAllDone } from '../../harness/controller/controller-world.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

const annotation = async (world: Awaited<ReturnType<typeof setUpWorld>>, node: string, key: string) =>
  (await world.node(node)).metadata?.annotations?.[key];

describe('safety core', () => {
  it('reboot + resume on a node that halted the rollout never lets a second node out (concurrency 1)', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 2,
      required: [0],
      behaviour: { 0: 'never-back' },
      controllerArgs: ['--trigger=node', '--reboot-timeout=3s'],
    });
    const [stuck, other] = world.nodes as [string, string];
    // The halt is kept on the DaemonSet just before the node's failure is written: wait for both.
    await cluster.waitFor(
      async () => (await world.controller.status()).halted?.node === stuck && (await world.state(stuck))?.phase === 'failed',
      { timeoutMs: 60_000, what: `${stuck} halts the rollout` },
    );
    // Another node now wants a reboot too: it must wait for as long as the missing node is out.
    assert.equal((await world.controller.post('/api/v1/reboot', { node: other, reason: 'patch' })).status, 202);
    // The timed-out attempt's job is gone with the failure: an agent starting late finds nothing.
    assert.equal(await annotation(world, stuck, 'kreboot.dev/reboot-job'), undefined, 'no reboot job left armed after the timeout');

    const asked = await world.controller.post('/api/v1/reboot', { node: stuck, reason: 'try again' });
    assert.equal(asked.status, 202);
    const resumedAt = Date.now();
    const resumed = await world.controller.post('/api/v1/resume');
    assert.equal(resumed.status, 200);
    assert.deepEqual((resumed.body as { rearmed: string[] }).rearmed, [stuck]);
    // The node is waited for again, still out of service, and halts again; the other never starts.
    await cluster.waitFor(
      async () => {
        const halted = (await world.controller.status()).halted;
        return halted !== null && Date.parse(halted.at) > resumedAt;
      },
      { timeoutMs: 60_000, what: 'halted again after the re-armed timeout' },
    );
    assert.equal((await world.node(stuck)).spec?.unschedulable, true, 'the missing node stays cordoned');
    assert.notEqual((await world.node(other)).spec?.unschedulable, true, 'the other node was never cordoned');
    assert.equal(world.agents.executed.get(other)?.length ?? 0, 0, 'the other node was never rebooted');
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('deleting the node that halted the rollout keeps the halt until a resume, naming the node that is gone', async (t) => {
    // What a cluster autoscaler or a cloud's auto-repair does to a node that did not come back.
    const world = await setUpWorld(t, cluster, {
      nodes: 2,
      required: [0],
      behaviour: { 0: 'never-back' },
      controllerArgs: ['--trigger=node', '--reboot-timeout=3s', '--concurrency=2'],
    });
    const [stuck, other] = world.nodes as [string, string];
    await cluster.waitFor(async () => (await world.controller.status()).halted?.node === stuck, {
      timeoutMs: 60_000,
      what: `${stuck} halts the rollout`,
    });
    await cluster.core.deleteNode({ name: stuck });
    assert.equal((await world.controller.post('/api/v1/reboot', { node: other, reason: 'patch' })).status, 202);
    await cluster.waitFor(async () => /halted/.test((await world.state(other))?.reason ?? ''), { what: `${other} held by the halt` });
    await world.waitForCycles(3, 'cycles after the deletion');
    const status = await world.controller.status();
    assert.equal(status.halted?.node, stuck, 'the halt still names the deleted node');
    assert.notEqual((await world.node(other)).spec?.unschedulable, true, 'the other node was not cordoned');
    assert.equal(world.agents.executed.get(other)?.length ?? 0, 0, 'the other node was not rebooted');

    assert.equal((await world.controller.post('/api/v1/resume')).status, 200);
    await waitForAllDone(cluster, world, [other], 60_000);
    assert.equal(world.agents.executed.get(other)?.length, 1, 'the other node rebooted after the resume');
    assert.equal((await world.controller.status()).halted, null);
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('a halt recorded only on the node (the DaemonSet write lost) still halts, survives a restart, and resumes', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 2,
      controllerArgs: ['--concurrency=2', '--reboot-timeout=30s'],
      startController: false,
    });
    const [missing, next] = world.nodes as [string, string];
    // What a controller that died between the node's failed record and the halt left behind.
    const failedAt = new Date(Date.now() - 1000).toISOString();
    const record = {
      phase: 'failed',
      since: failedAt,
      reason: 'node did not come back within the reboot timeout',
      haltedRollout: true,
      final: true,
      attempts: 1,
      wasUnschedulable: false,
      bootIdBefore: world.agents.bootId(missing),
      startedAt: failedAt,
    };
    await cluster.core.patchNode(
      {
        name: missing,
        body: { spec: { unschedulable: true }, metadata: { annotations: { 'kreboot.dev/state': JSON.stringify(record) } } },
      },
      MERGE_PATCH,
    );
    const holder = JSON.stringify({
      maxOwners: 2,
      locks: [{ nodeID: missing, metadata: { unschedulable: false, holder: 'kreboot' }, created: failedAt, TTL: 0 }],
    });
    await cluster.apps.patchNamespacedDaemonSet(
      { namespace: world.namespace, name: LOCK_DS, body: { metadata: { annotations: { 'weave.works/kured-node-lock': holder } } } },
      MERGE_PATCH,
    );

    await world.startController();
    const asked = await world.controller.post('/api/v1/reboot', { node: next, reason: 'patch' });
    assert.equal(asked.status, 202);
    await cluster.waitFor(async () => /halted/.test((await world.state(next))?.reason ?? ''), { what: 'the next node held by the halt' });
    assert.equal((await world.controller.status()).halted?.node, missing);
    // The cycle keeps the halt the node shows on the DaemonSet too, so it would outlive the node.
    await cluster.waitFor(
      async () => {
        const ds = await cluster.apps.readNamespacedDaemonSet({ namespace: world.namespace, name: LOCK_DS });
        return JSON.parse(ds.metadata?.annotations?.['kreboot.dev/halted'] ?? '{}').node === missing;
      },
      { what: 'the halt kept on the lock DaemonSet' },
    );

    // A restarted controller derives the same halt.
    await world.controller.kill();
    await world.startController();
    assert.equal((await world.controller.status()).halted?.node, missing);
    assert.equal((await world.state(next))?.phase, 'waiting');

    // The operator brings the node back by hand and resumes: it is verified, then the next goes.
    await world.agents.rebootByHand(missing);
    assert.equal((await world.controller.post('/api/v1/resume')).status, 200);
    await waitForAllDone(cluster, world, world.nodes, 60_000);
    assert.notEqual((await world.node(missing)).spec?.unschedulable, true, 'uncordoned once verified');
    assert.equal((await world.node(missing)).metadata?.labels?.['kreboot.dev/phase'], undefined, 'phase label gone once done');
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('a remediation alert re-sent after its reboot does not reboot again; a new firing does', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 1,
      controllerArgs: ['--remediation-alert-regexp=^KernelDeadlock$', '--max-reboot-attempts=2'],
    });
    const node = world.nodes[0]!;
    const alert = (startsAt: string) => ({
      version: '4',
      status: 'firing',
      alerts: [{ status: 'firing', labels: { alertname: 'KernelDeadlock', node }, startsAt, fingerprint: `fp-${node}` }],
    });
    const send = async (startsAt: string) => {
      const response = await fetch(`${world.controller.url}/api/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alert(startsAt)),
      });
      assert.equal(response.status, 200);
      return (await response.json()) as { accepted: string[]; ignored: { reason: string }[] };
    };
    const episode = new Date(Date.now() - 60_000).toISOString();
    assert.deepEqual((await send(episode)).accepted, [node]);
    await cluster.waitFor(() => (world.agents.executed.get(node)?.length ?? 0) === 1, { timeoutMs: 60_000, what: 'first reboot' });
    await waitForAllDone(cluster, world, [node], 60_000);

    // Alertmanager re-sends the same firing alert every repeat_interval.
    for (let i = 0; i < 3; i++) {
      const answer = await send(episode);
      assert.deepEqual(answer.accepted, []);
      assert.match(answer.ignored[0]?.reason ?? '', /already rebooted for this firing/);
    }
    assert.equal(await annotation(world, node, 'kreboot.dev/reboot-request'), undefined, 'no request recorded by a re-send');

    // A new firing episode is a new request: honoured once.
    const second = new Date().toISOString();
    assert.deepEqual((await send(second)).accepted, [node]);
    await cluster.waitFor(() => (world.agents.executed.get(node)?.length ?? 0) === 2, { timeoutMs: 60_000, what: 'second reboot' });
    await waitForAllDone(cluster, world, [node], 60_000);
    // The cap: a third episode within the window is refused (max-reboot-attempts = 2 per alert).
    const third = await send(new Date(Date.now() + 1000).toISOString());
    assert.deepEqual(third.accepted, []);
    assert.match(third.ignored[0]?.reason ?? '', /the cap/);
    assert.equal(world.agents.executed.get(node)?.length, 2);
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('a remediation alert without fingerprint or startsAt is one episode per alert and node: 4 deliveries, 1 reboot', async (t) => {
    // Both fields are optional in the webhook payload; a sender that leaves them out must not be
    // able to reboot a node once per delivery.
    const world = await setUpWorld(t, cluster, {
      nodes: 1,
      controllerArgs: ['--remediation-alert-regexp=^KernelDeadlock$', '--max-reboot-attempts=2'],
    });
    const node = world.nodes[0]!;
    const send = async () => {
      const response = await fetch(`${world.controller.url}/api/v1/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          version: '4',
          status: 'firing',
          alerts: [{ status: 'firing', labels: { alertname: 'KernelDeadlock', node } }],
        }),
      });
      assert.equal(response.status, 200);
      return (await response.json()) as { accepted: string[]; ignored: { reason: string }[] };
    };
    assert.deepEqual((await send()).accepted, [node]);
    await cluster.waitFor(() => (world.agents.executed.get(node)?.length ?? 0) === 1, { timeoutMs: 60_000, what: 'first reboot' });
    await waitForAllDone(cluster, world, [node], 60_000);
    for (let i = 0; i < 3; i++) {
      const answer = await send();
      assert.deepEqual(answer.accepted, [], `delivery ${i + 2} is refused`);
      assert.match(answer.ignored[0]?.reason ?? '', /already rebooted for this firing/);
    }
    await world.waitForCycles(2, 'cycles after the re-deliveries');
    assert.equal(world.agents.executed.get(node)?.length, 1, 'one reboot for four deliveries');
    assert.deepEqual(world.monitor.violations(), []);
  });
});
