// The workload gate on the real control plane (ADR 0018, issue 24 part 1): a real Deployment whose
// replacement pods turn Ready late (test/harness/slow-readiness.ts) holds the next node until it is
// Ready again, the reason naming it in the node's record, the status, the plan and the metric; a
// PodDisruptionBudget that allows no disruption holds the node its pods are on; the timeout halts
// or lets the node go; and with the gate off the node starts while the budget is exhausted.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Watch, type V1Node } from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { markReady, MANUAL_READINESS, readiness } from '../../harness/slow-readiness.ts';
import { setUpWorld, waitForAllDone, type World } from '../../harness/controller/controller-world.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

const WEB = { app: 'web', ...MANUAL_READINESS };
/** No timer brings the cycle back for 5 min: a start within the test's deadlines was woken by the watch. */
const GATE_RECHECK_5M = '--gate-recheck-period=5m';

/** Three web replicas, one per node (required anti-affinity), all Ready. */
async function createWeb(world: World): Promise<void> {
  await cluster.createDeployment(world.namespace, 'web', {
    replicas: 3,
    labels: WEB,
    nodeSelector: { 'kreboot-test': world.namespace },
    terminationGracePeriodSeconds: 0,
    spec: {
      // One per node, by rule: the pod evicted from the first node can come back only there, once
      // it is uncordoned, and then turns Ready only when the test says so.
      affinity: {
        podAntiAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: [
            { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } },
          ],
        },
      },
    },
    wait: false,
  });
  await cluster.waitFor(
    async () => {
      await markReady(cluster.core, world.namespace, WEB);
      const d = await cluster.apps.readNamespacedDeployment({ namespace: world.namespace, name: 'web' });
      return d.status?.readyReplicas === 3;
    },
    { timeoutMs: 60_000, what: 'web 3 of 3 Ready' },
  );
  const onFirst = await cluster.podsOnNode(world.namespace, world.nodes[0]!, { app: 'web' });
  assert.equal(onFirst.length, 1, `one web pod on ${world.nodes[0]}`);
}

/** A one-replica Deployment on the first node and a budget that allows it no disruption. */
async function createExhaustedBudget(world: World): Promise<void> {
  await cluster.createDeployment(world.namespace, 'db', { replicas: 1, nodeSelector: { 'kubernetes.io/hostname': world.nodes[0]! } });
  await cluster.createPdb(world.namespace, 'db', { selector: { app: 'db' }, minAvailable: 1 });
}

/** The annotations of every version of `node` the API server shows from now on, in order. */
async function watchVersions(node: string): Promise<{ versions: Record<string, string>[]; stop: () => void }> {
  const versions: Record<string, string>[] = [];
  const watch = await new Watch(cluster.kc).watch(
    '/api/v1/nodes',
    { fieldSelector: `metadata.name=${node}` },
    (_type, object: V1Node) => void versions.push(object.metadata?.annotations ?? {}),
    () => undefined,
  );
  return { versions, stop: () => watch.abort() };
}

const waitingReason = async (world: World, node: string) => {
  const state = await world.state(node);
  return state?.phase === 'waiting' ? state.reason : undefined;
};

describe('workload gate', () => {
  it('the next node waits until the Deployment the last drain evicted is Ready again; the reason names it everywhere', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 3, required: [0, 1], startController: false });
    const [first, second] = world.nodes as [string, string, string];
    await createWeb(world);
    const versions = await watchVersions(first);
    t.after(() => versions.stop());
    await world.startController(['--trigger=node', `--node-order=kubernetes.io/hostname=${first}`, GATE_RECHECK_5M]);

    await cluster.waitFor(async () => (await world.state(first))?.phase === 'done', { timeoutMs: 90_000, what: `${first} done` });
    // What the drain evicts is recorded in the drain's first write, with the draining record (ADR 0026):
    // the first version of the Node that shows it is the first that shows the node draining.
    const withRecord = versions.versions.findIndex((annotations) => annotations['kreboot.dev/evicted-workloads'] !== undefined);
    const drainingAt = versions.versions.findIndex((annotations) => /"phase":"draining"/.test(annotations['kreboot.dev/state'] ?? ''));
    assert.ok(withRecord >= 0, `the record was written: ${JSON.stringify(versions.versions.map((a) => a['kreboot.dev/state']))}`);
    assert.equal(withRecord, drainingAt, 'the workload record and the draining record came in one write');
    const state = JSON.parse(versions.versions[withRecord]!['kreboot.dev/state']!) as { startedAt: string };
    assert.equal(
      (JSON.parse(versions.versions[withRecord]!['kreboot.dev/evicted-workloads']!) as { round: string }).round,
      state.startedAt,
    );
    // The replacement of first's web pod runs but is not Ready: second waits, naming web.
    const reason = await cluster.waitFor(() => waitingReason(world, second), { timeoutMs: 30_000, what: `${second} waiting` });
    assert.match(reason, new RegExp(`^workloads: web: 2 of 3 Ready \\(evicted from ${first}\\)$`));
    assert.notEqual((await world.node(second)).spec?.unschedulable, true, `${second} not cordoned while web is short`);
    assert.equal((await readiness(cluster.core, world.namespace, WEB)).ready, 2);
    const recorded = JSON.parse((await world.node(first)).metadata!.annotations!['kreboot.dev/evicted-workloads']!) as {
      workloads: Record<string, number>;
    };
    assert.equal(Object.entries(recorded.workloads).find(([key]) => key.startsWith(`ReplicaSet/${world.namespace}/web-`))?.[1], 3);

    const status = await world.controller.status();
    assert.match(status.nodes.find((node) => node.name === second)?.reason ?? '', /^workloads: web: 2 of 3 Ready/);
    const plan = (await (await fetch(`${world.controller.url}/api/v1/plan`)).json()) as {
      held: { node: string; gate: string; reason: string }[];
    };
    assert.deepEqual(
      plan.held.find((held) => held.node === second),
      { node: second, gate: 'workloads', reason: `web: 2 of 3 Ready (evicted from ${first})` },
    );
    const metrics = await (await fetch(`${world.controller.url}/metrics`)).text();
    assert.match(metrics, /^kreboot_nodes_waiting\{reason="workloads"\} 1$/m);
    // Still holding a few decisions later: nothing but web's readiness lets it go.
    await world.waitForCycles(3, `to start ${second} while web is 2 of 3 Ready`);
    assert.equal((await world.state(second))?.phase, 'waiting');
    // What the drain evicted is on the Node: a new controller (a restart, a failover) waits for it too.
    await world.controller.kill();
    await world.startController(['--trigger=node', `--node-order=kubernetes.io/hostname=${first}`, GATE_RECHECK_5M]);
    await world.waitForCycles(3, `to start ${second} after a restart while web is 2 of 3 Ready`);
    assert.match((await waitingReason(world, second)) ?? '', /^workloads: web: 2 of 3 Ready/);

    // The probe passes: web is back, and second goes at once (the watch wakes the cycle, not the recheck).
    await cluster.waitFor(async () => (await markReady(cluster.core, world.namespace, WEB)).length === 1, {
      what: 'the replacement web pod running, then marked Ready',
    });
    const readyAt = Date.now();
    await cluster.waitFor(async () => (await world.state(second))?.phase !== 'waiting', { timeoutMs: 30_000, what: `${second} started` });
    t.diagnostic(`${second} started ${Date.now() - readyAt} ms after web turned Ready`);
    await waitForAllDone(cluster, world, [first, second]);
    const order = world.monitor
      .transitions()
      .filter((line) => / cordoned /.test(line))
      .map((line) => line.split(' ')[0]);
    assert.deepEqual(order, [first, second]);
    // The first cycle waited for the gate's watches to list: no node was written waiting on them (ADR 0026).
    assert.deepEqual(
      world.monitor.transitions().filter((line) => /has not listed/.test(line)),
      [],
      'no start-up wait recorded on the nodes',
    );
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('the timeout with halt on a workload that does not come back: halted, naming it, until a resume', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 3, required: [0, 1], startController: false });
    const [first, second] = world.nodes as [string, string, string];
    await createWeb(world);
    await world.startController([
      '--trigger=node',
      `--node-order=kubernetes.io/hostname=${first}`,
      '--gate-recheck-period=1s',
      '--workload-gate-timeout=3s',
      '--workload-gate-timeout-action=halt',
    ]);
    await cluster.waitFor(async () => (await world.controller.status()).halted !== null, { timeoutMs: 90_000, what: 'rollout halted' });
    const halted = (await world.controller.status()).halted!;
    assert.equal(halted.node, first);
    assert.equal(halted.reason, `workloads not back within 3s (--workload-gate-timeout): web: 2 of 3 Ready (evicted from ${first})`);
    assert.equal((await world.state(first))?.phase, 'done');
    assert.notEqual((await world.node(second)).spec?.unschedulable, true, `${second} never started`);
    // Web recovers, yet the halt holds until an operator resumes; then second goes.
    await cluster.waitFor(async () => (await markReady(cluster.core, world.namespace, WEB)).length === 1, {
      what: 'the replacement web pod running, then marked Ready',
    });
    await world.waitForCycles(3, `to start ${second} while halted`);
    assert.match((await world.state(second))?.reason ?? '', /^halted:/);
    assert.equal((await world.controller.post('/api/v1/resume')).status, 200);
    await waitForAllDone(cluster, world, [first, second]);
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('a budget that allows no disruption holds the node its pod is on; turned off, the node starts while the budget is exhausted', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 2, required: [0], startController: false });
    const [first] = world.nodes as [string, string];
    await createExhaustedBudget(world);
    await world.startController(['--trigger=node', '--gate-recheck-period=1s']);

    const reason = await cluster.waitFor(() => waitingReason(world, first), { timeoutMs: 30_000, what: `${first} waiting` });
    assert.match(reason, new RegExp(`^disruption-budget: PDB ${world.namespace}/db allows 0 disruptions \\(${world.namespace}/db-`));
    await world.waitForCycles(3, `to start ${first} while its budget allows no disruption`);
    assert.equal((await world.state(first))?.phase, 'waiting');
    assert.notEqual((await world.node(first)).spec?.unschedulable, true, 'not cordoned');
    const metrics = await (await fetch(`${world.controller.url}/metrics`)).text();
    assert.match(metrics, /^kreboot_nodes_waiting\{reason="disruption-budget"\} 1$/m);

    // kured's behaviour, --workload-gate=false: the node is cordoned and its drain meets the budget.
    await world.controller.stop();
    await world.startController(['--trigger=node', '--workload-gate=false']);
    await cluster.waitFor(
      async () => /PodDisruptionBudget/.test((await world.state(first))?.phase === 'draining' ? (await world.state(first))!.reason : ''),
      {
        timeoutMs: 60_000,
        what: `${first} draining, blocked by the budget`,
      },
    );
    assert.equal((await world.node(first)).spec?.unschedulable, true, 'cordoned while the budget is exhausted');
    const budget = await cluster.policy.readNamespacedPodDisruptionBudget({ namespace: world.namespace, name: 'db' });
    assert.equal(budget.status?.disruptionsAllowed, 0);
    await cluster.policy.deleteNamespacedPodDisruptionBudget({ namespace: world.namespace, name: 'db' });
    await waitForAllDone(cluster, world, [first]);
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('the timeout with halt: the rollout halts, naming the budget, until a resume', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 2, required: [0], startController: false });
    const [first] = world.nodes as [string, string];
    await createExhaustedBudget(world);
    await world.startController([
      '--trigger=node',
      '--gate-recheck-period=1s',
      '--workload-gate-timeout=3s',
      '--workload-gate-timeout-action=halt',
    ]);

    await cluster.waitFor(async () => (await world.controller.status()).halted !== null, { timeoutMs: 30_000, what: 'rollout halted' });
    const halted = (await world.controller.status()).halted!;
    assert.equal(halted.node, first);
    assert.match(halted.reason, new RegExp(`waited 3s \\(--workload-gate-timeout\\): PDB ${world.namespace}/db allows 0 disruptions`));
    assert.match((await world.state(first))?.reason ?? '', /^halted: rollout halted/);
    assert.notEqual((await world.node(first)).spec?.unschedulable, true, 'never cordoned');
    // The budget is relaxed, yet the halt holds until an operator resumes.
    await cluster.policy.deleteNamespacedPodDisruptionBudget({ namespace: world.namespace, name: 'db' });
    await world.waitForCycles(3, `to start ${first} while halted`);
    assert.match((await world.state(first))?.reason ?? '', /^halted:/);
    assert.equal((await world.controller.post('/api/v1/resume')).status, 200);
    await waitForAllDone(cluster, world, [first]);
    assert.equal((await world.controller.status()).halted, null);
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('the timeout with continue: the node stops waiting, says so, and starts', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 2, required: [0], startController: false });
    const [first] = world.nodes as [string, string];
    await createExhaustedBudget(world);
    await world.startController([
      '--trigger=node',
      '--gate-recheck-period=1s',
      '--workload-gate-timeout=3s',
      '--workload-gate-timeout-action=continue',
    ]);

    await cluster.waitFor(async () => (await world.state(first))?.phase === 'draining', { timeoutMs: 60_000, what: `${first} draining` });
    const transitions = world.monitor.transitions().filter((line) => line.startsWith(`${first} `));
    const waited = transitions.findIndex((line) => line.includes('waiting disruption-budget: PDB'));
    const cordoned = transitions.findIndex((line) => line.startsWith(`${first} cordoned`));
    assert.ok(waited >= 0 && waited < cordoned, `waited on the budget, then started: ${transitions.join(' | ')}`);
    assert.equal((await world.controller.status()).halted, null, 'no halt');
    const events = await cluster.waitFor(
      async () => {
        const list = await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${first}` });
        const found = list.items.filter((event) => /stopped waiting after 3s/.test(event.message ?? ''));
        return found.length > 0 ? found : undefined;
      },
      { timeoutMs: 30_000, what: 'an Event saying the gate stopped waiting' },
    );
    assert.match(events[0]!.message!, new RegExp(`PDB ${world.namespace}/db allows 0 disruptions .*the node may start`));
    await cluster.policy.deleteNamespacedPodDisruptionBudget({ namespace: world.namespace, name: 'db' });
    await waitForAllDone(cluster, world, [first]);
    assert.deepEqual(world.monitor.violations(), []);
  });
});
