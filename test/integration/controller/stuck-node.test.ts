// A node that does not come back (issue 24 part 3, kured #886), on the real control plane with
// KWOK nodes the test makes NotReady and brings back: rebooted again when it is up under the same
// boot, waited for (once) when it hangs in boot and rebooted when it is back, handed to a
// node-repair controller by a label (the test plays that controller: it reboots the host, or
// deletes the Node and registers a replacement), the rollout waiting on each outcome without
// letting more nodes out than the caps allow; and a remediation alert acting on a halted node.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { setUpWorld, waitForAllDone, type World } from '../../harness/controller/controller-world.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

const REPAIR_LABEL = 'repair.example.com/needed';

const reasonOf = async (world: World, node: string) => (await world.state(node))?.reason ?? '';
const phaseOf = async (world: World, node: string) => (await world.state(node))?.phase;

/** Waits until `node` waits on the recovery of `stuck`, and stays waiting over two more cycles. */
async function heldBy(world: World, node: string, stuck: string): Promise<void> {
  await cluster.waitFor(
    async () => (await phaseOf(world, node)) === 'waiting' && /recovering: rollout waits on/.test(await reasonOf(world, node)),
    {
      timeoutMs: 30_000,
      what: `${node} waiting on the recovery of ${stuck}`,
    },
  );
  await world.waitForCycles(2, `to start ${node} while ${stuck} is recovered`);
  assert.equal(await phaseOf(world, node), 'waiting', `${node} still waits`);
  assert.match(await reasonOf(world, node), new RegExp(`rollout waits on ${stuck}`));
}

function remediationAlert(node: string) {
  return {
    version: '4',
    groupKey: '{}:{alertname="NodeHung"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'kreboot',
    groupLabels: { alertname: 'NodeHung' },
    commonLabels: { alertname: 'NodeHung' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager.invalid',
    alerts: [
      {
        status: 'firing',
        labels: { alertname: 'NodeHung', node },
        annotations: {},
        startsAt: new Date().toISOString(),
        endsAt: '0001-01-01T00:00:00Z',
        generatorURL: 'http://prometheus.invalid/graph',
        fingerprint: `fp-hung-${node}`,
      },
    ],
  };
}

describe('a node that does not come back', () => {
  it('up under the same boot: rebooted again; the rollout waits on it, then goes on with no halt', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 3,
      required: [0, 1],
      behaviour: { 0: 'never-back' },
      rebootMs: 4000,
      controllerArgs: [
        '--trigger=node',
        '--concurrency=2',
        '--reboot-timeout=8s',
        '--stuck-node-reboot-retries=2',
        '--max-reboot-attempts=3',
      ],
    });
    const [stuck, other, later] = world.nodes as [string, string, string];
    // The first job "ran" and did nothing; the second try works (a node that hangs once).
    await cluster.waitFor(() => world.agents.executed.get(stuck)!.length === 1, { timeoutMs: 30_000, what: 'first job taken' });
    world.agents.setBehaviour(stuck, 'normal');
    await cluster.waitFor(async () => /rebooted again \(1 of 2\)/.test(await reasonOf(world, stuck)), {
      timeoutMs: 30_000,
      what: 'the stuck node rebooted again',
    });
    assert.equal((await world.controller.status()).recovering?.node, stuck);
    // A node asking now waits on the recovery, though a slot is free (--concurrency=2, the other done).
    await waitForAllDone(cluster, world, [other], 30_000);
    await world.agents.setRequired(later, true);
    await heldBy(world, later, stuck);

    await waitForAllDone(cluster, world, world.nodes, 60_000);
    const status = await world.controller.status();
    assert.equal(status.halted, null, 'never halted');
    assert.equal(status.recovering, null, 'the wait ended with the outcome');
    assert.equal(world.agents.executed.get(stuck)!.length, 2, 'one reboot again, not more');
    assert.notEqual((await world.node(stuck)).spec?.unschedulable, true, 'uncordoned');
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('hung in boot (NotReady): waited for within the retry window, rebooted again once back, done', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 1,
      required: 'all',
      behaviour: { 0: 'hang-in-boot' },
      controllerArgs: ['--trigger=node', '--reboot-timeout=4s', '--stuck-node-reboot-retries=1', '--stuck-node-retry-window=5m'],
    });
    const [stuck] = world.nodes as [string];
    await cluster.waitFor(async () => /not Ready, so its agent cannot reboot it: waiting until/.test(await reasonOf(world, stuck)), {
      timeoutMs: 30_000,
      what: 'the NotReady node waited for',
    });
    assert.equal(world.agents.executed.get(stuck)!.length, 1, 'no job for a node whose agent cannot run it');
    // It comes back up under the same boot (the reboot never happened): the retry goes at once.
    world.agents.setBehaviour(stuck, 'normal');
    await world.agents.bringBack(stuck, false);
    await waitForAllDone(cluster, world, [stuck], 60_000);
    assert.equal(world.agents.executed.get(stuck)!.length, 2);
    assert.equal((await world.controller.status()).halted, null);
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('retries spent on a node that stays NotReady: the halt says what was tried', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 1,
      required: 'all',
      behaviour: { 0: 'hang-in-boot' },
      controllerArgs: [
        '--trigger=node',
        '--reboot-timeout=3s',
        '--stuck-node-reboot-retries=2',
        '--max-reboot-attempts=3',
        '--stuck-node-retry-window=3s',
      ],
    });
    const [stuck] = world.nodes as [string];
    await cluster.waitFor(async () => (await world.controller.status()).halted !== null, { timeoutMs: 60_000, what: 'rollout halted' });
    const halted = (await world.controller.status()).halted!;
    assert.equal(halted.node, stuck);
    assert.match(halted.reason, /not Ready.*nor after recovery; waited the retry window for it to come back/);
    assert.equal((await world.node(stuck)).spec?.unschedulable, true, 'kept cordoned');
    assert.equal(world.agents.executed.get(stuck)!.length, 1);
  });

  it('handed to remediation by a label: the repair reboots it, the rollout goes on, the label goes', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 2,
      required: [0],
      behaviour: { 0: 'hang-in-boot' },
      controllerArgs: [
        '--trigger=node',
        '--reboot-timeout=4s',
        `--stuck-node-remediation-label=${REPAIR_LABEL}=true`,
        '--stuck-node-remediation-timeout=5m',
      ],
    });
    const [stuck, other] = world.nodes as [string, string];
    await cluster.waitFor(async () => (await world.node(stuck)).metadata?.labels?.[REPAIR_LABEL] === 'true', {
      timeoutMs: 30_000,
      what: 'the repair label on the stuck node',
    });
    const status = await world.controller.status();
    assert.equal(status.recovering?.node, stuck);
    assert.match(status.recovering!.reason, new RegExp(`handed to remediation \\(label ${REPAIR_LABEL}=true\\) at `));
    assert.equal(status.nodes.find((node) => node.name === stuck)?.recovery?.handedAt !== undefined, true);
    await world.agents.setRequired(other, true);
    await heldBy(world, other, stuck);

    // The node-repair controller power-cycles the host: back under a new boot, sentinel clear.
    await world.agents.bringBack(stuck, true);
    await waitForAllDone(cluster, world, world.nodes, 60_000);
    assert.equal((await world.node(stuck)).metadata?.labels?.[REPAIR_LABEL], undefined, 'the label is removed once it is back');
    assert.equal((await world.controller.status()).halted, null);
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('handed to remediation, the Node deleted: the rollout waits until a replacement registers', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 2,
      required: [0],
      behaviour: { 0: 'hang-in-boot' },
      controllerArgs: [
        '--trigger=node',
        '--reboot-timeout=4s',
        `--stuck-node-remediation-label=${REPAIR_LABEL}=true`,
        '--stuck-node-remediation-timeout=5m',
      ],
    });
    const [stuck, other] = world.nodes as [string, string];
    await cluster.waitFor(async () => (await world.node(stuck)).metadata?.labels?.[REPAIR_LABEL] === 'true', {
      timeoutMs: 30_000,
      what: 'the repair label on the stuck node',
    });
    // The repair controller deletes the Machine's Node: the wait outlives it.
    await cluster.deleteNodes([stuck]);
    await cluster.waitFor(async () => /the node is gone: waiting until/.test((await world.controller.status()).recovering?.reason ?? ''), {
      timeoutMs: 30_000,
      what: 'the wait kept for the deleted node',
    });
    await world.agents.setRequired(other, true);
    await heldBy(world, other, stuck);
    assert.equal((await world.controller.status()).halted, null, 'waiting, not halted');

    // The replacement registers (a new Node in the managed pool): the rollout goes on.
    await cluster.createNodes(1, { prefix: 'replacement', labels: { 'kreboot-test': world.namespace } });
    await waitForAllDone(cluster, world, [other], 60_000);
    const status = await world.controller.status();
    assert.equal(status.recovering, null);
    assert.equal(status.halted, null);
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('a remediation alert for a halted node reboots it under the same caps; the halt stays for the rest', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 2,
      required: [0],
      behaviour: { 0: 'never-back' },
      controllerArgs: ['--trigger=node', '--reboot-timeout=3s', '--remediation-alert-regexp=^NodeHung$'],
    });
    const [stuck, other] = world.nodes as [string, string];
    await cluster.waitFor(async () => (await world.controller.status()).halted?.node === stuck, { timeoutMs: 30_000, what: 'halted' });
    await world.agents.setRequired(other, true);
    world.agents.setBehaviour(stuck, 'normal');

    const answer = await fetch(`${world.controller.url}/api/v1/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(remediationAlert(stuck)),
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(((await answer.json()) as { accepted: string[] }).accepted, [stuck]);
    await waitForAllDone(cluster, world, [stuck], 30_000);
    assert.equal(world.agents.executed.get(stuck)!.length, 2, 'the alert rebooted the halted node');
    assert.notEqual((await world.node(stuck)).spec?.unschedulable, true, 'back in service');
    // The rest of the rollout stays halted until an operator resumes.
    await world.waitForCycles(2, 'to start another node while halted');
    assert.equal((await world.controller.status()).halted?.node, stuck);
    assert.notEqual(await phaseOf(world, other), 'rebooting');
    assert.equal(world.agents.executed.get(other)!.length, 0);
    assert.equal((await world.controller.post('/api/v1/resume')).status, 200);
    await waitForAllDone(cluster, world, [other], 30_000);
    assert.deepEqual(world.monitor.violations(), []);
  });
});
