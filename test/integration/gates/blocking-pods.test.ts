// The blocking-pods gate against the real control plane (KWOK nodes): selectors AND within, OR
// across; Running and Pending pods on a node block that node only; a deleted pod stops blocking;
// one pod list per selector per cycle however many nodes wait; an API refusal blocks, with the reason.

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { blockingPodsGate } from '../../../src/gates/blocking-pods-gate.ts';
import type { Verdict } from '../../../src/gates/gate.ts';

let cluster: Cluster;
let ns: string;
let nodes: string[];
let run: string;

before(async () => {
  cluster = await startCluster();
  ns = await cluster.newNamespace('blocking');
  nodes = await cluster.createNodes(4, { prefix: 'blk' });
  run = cluster.uniqueName('run');
});
after(() => cluster?.stop());
afterEach((t) => printOnFailure(t, () => cluster.dumpLogs({ namespaces: [ns], print: false })));

function counting(api: CoreV1Api): { api: Pick<CoreV1Api, 'listPodForAllNamespaces'>; calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    api: { listPodForAllNamespaces: (param) => (calls.push(param?.labelSelector ?? ''), api.listPodForAllNamespaces(param)) },
  };
}

const reason = (v: Verdict) => (v.open ? 'open' : v.reason);

test('selectors AND within and OR across; Running and Pending pods block their node only', async () => {
  const [n1, n2, n3, n4] = nodes as [string, string, string, string];
  await cluster.createBarePod(ns, 'db-0', { nodeName: n1, labels: { run, app: 'db', tier: 'critical' }, wait: true });
  await cluster.createBarePod(ns, 'backup-0', { nodeName: n2, labels: { run, job: 'backup' }, wait: true });
  await cluster.createBarePod(ns, 'db-loose', { nodeName: n3, labels: { run, app: 'db' }, wait: true }); // no tier: the AND fails
  // A pod bound to a node no kubelet (no KWOK) serves stays Pending: it blocks that node.
  const [ghost] = (await cluster.createNodes(1, { prefix: 'dead', managed: false })) as [string];
  await cluster.createBarePod(ns, 'pending-0', { nodeName: ghost, labels: { run, job: 'backup' }, wait: false });
  await cluster.waitFor(
    async () => (await cluster.core.readNamespacedPod({ namespace: ns, name: 'pending-0' })).status?.phase === 'Pending',
    { what: 'pending-0 Pending' },
  );

  const { api, calls } = counting(cluster.kc.makeApiClient(CoreV1Api));
  const selectors = [`run=${run},app=db,tier=critical`, `run=${run},job=backup`];
  const gate = blockingPodsGate({ api, selectors });
  const verdict = await gate.evaluate({ now: new Date(), nodes: [n1, n2, n3, n4, ghost] });
  assert.equal(reason(verdict(n1)), `1 blocking pod: ${ns}/db-0 (${selectors[0]})`);
  assert.equal(reason(verdict(n2)), `1 blocking pod: ${ns}/backup-0 (${selectors[1]})`);
  assert.equal(reason(verdict(n3)), 'open');
  assert.equal(reason(verdict(n4)), 'open');
  assert.equal(reason(verdict(ghost)), `1 blocking pod: ${ns}/pending-0 (${selectors[1]})`);
  const v1 = verdict(n1);
  assert.equal(v1.open ? '' : v1.gate, 'blocking-pods');
  assert.deepEqual(calls.sort(), [...selectors].sort(), 'one list per selector for five nodes');

  await cluster.core.deleteNamespacedPod({ namespace: ns, name: 'db-0', gracePeriodSeconds: 0 });
  await cluster.waitFor(async () => (await gate.evaluate({ now: new Date(), nodes: [n1] }))(n1).open, {
    what: 'n1 open once db-0 is gone',
  });
});

test('an API refusal blocks every node with the reason', async () => {
  const noRights = await cluster.tokenKubeconfig(ns, 'no-rights');
  const kc = new KubeConfig();
  kc.loadFromFile(noRights);
  const gate = blockingPodsGate({ api: kc.makeApiClient(CoreV1Api), selectors: [`run=${run}`] });
  const verdict = (await gate.evaluate({ now: new Date(), nodes: nodes }))(nodes[0]!);
  assert.equal(verdict.open, false);
  assert.match(reason(verdict), /^cannot list blocking pods: .*(403|forbidden)/i);
});
