// Holds the simulation's API model (test/sim/api-model.ts) to the real API server: the same
// recorded traces of the calls kreboot makes run against both, and each step's outcome (HTTP
// status, the fields kreboot reads back, whether the resourceVersion moved) must be the same.
// Covered: an optimistic merge-patch cordon with its record, a stale resourceVersion (409), a
// patch that changes nothing (no new resourceVersion), removing annotations with null, an
// uncordon, conflicting DaemonSet annotation patches, evictions refused by a PodDisruptionBudget
// (429) and allowed once another replica is Ready, a missing pod (404) and a missing Node (404),
// a Node deleted and registered again under its name (404 while gone, then a fresh object without
// kreboot's records, a write on the old resourceVersion refused 409), the same for the lock
// DaemonSet deleted and created again, and a pod a graceful shutdown stopped (phase Failed)
// evicted whatever its budget says.

import { PatchStrategy, setHeaderOptions, type V1DaemonSet, type V1Node } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { startCluster, statusCode, type Cluster } from '../../harness/cluster.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { seededRandom } from '../../harness/seeded-random.ts';
import { ApiModel, SPARE_NODE } from '../../sim/api-model.ts';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const STATE = 'kreboot.dev/state';
const REQUEST = 'kreboot.dev/reboot-request';
const LOCK = 'weave.works/kured-node-lock';

/** The calls a trace makes, on either side. Every call answers a status code and the object. */
interface Backend {
  readNode(): Promise<V1Node>;
  patchNode(body: object, name?: string): Promise<{ code: number; node?: V1Node }>;
  readDaemonSet(): Promise<V1DaemonSet>;
  patchDaemonSet(body: object): Promise<{ code: number; ds?: V1DaemonSet }>;
  /** The name of the i-th (by name) pod of app `web` on the node that is not being deleted. */
  podName(index: number): Promise<string>;
  evict(pod: string): Promise<number>;
  /** A further Ready replica of `web` (elsewhere), so the budget allows one eviction. */
  addReplica(): Promise<void>;
  /** Marks a pod Failed, as a kubelet's graceful shutdown does. */
  failPod(pod: string): Promise<void>;
  /** Deletes the Node; the status code. */
  deleteNode(): Promise<number>;
  /** Creates the Node again under its name, as a kubelet registering a new host does. */
  registerNode(): Promise<void>;
  /** Deletes the lock DaemonSet (and waits until it is gone); the status code. */
  deleteDaemonSet(): Promise<number>;
  /** Creates the lock DaemonSet again (once its controller has written its status). */
  createDaemonSet(): Promise<void>;
}

async function answer<T>(call: () => Promise<T>): Promise<{ code: number; value?: T }> {
  try {
    return { code: 200, value: await call() };
  } catch (error) {
    const code = statusCode(error);
    if (code === undefined) throw error;
    return { code };
  }
}

function modelBackend(node: string): Backend {
  const random = seededRandom(7);
  let now = Date.parse('2026-01-01T00:00:00Z');
  const model = new ApiModel({ now: () => now, random, at: () => {} }, { namespace: 'kube-system', name: 'agent' });
  model.addNode(node, { unschedulable: false, annotations: {} });
  model.addPod({ namespace: 'apps', node, app: 'web', owner: 'ReplicaSet', ready: true });
  model.addPod({ namespace: 'apps', node, app: 'web', owner: 'ReplicaSet', ready: true });
  model.pdbs.push({ namespace: 'apps', app: 'web', minAvailable: 2 });
  const sync = <T>(call: () => T) => answer(() => Promise.resolve().then(call));
  return {
    readNode: () => Promise.resolve(model.readNode(node)),
    patchNode: async (body, name = node) => {
      now += 1000;
      const { code, value } = await sync(() => model.patchNode(name, body));
      return { code, ...(value ? { node: value } : {}) };
    },
    readDaemonSet: () => Promise.resolve(model.readDaemonSet('kube-system', 'agent')),
    patchDaemonSet: async (body) => {
      const { code, value } = await sync(() => model.patchDaemonSet('kube-system', 'agent', body));
      return { code, ...(value ? { ds: value } : {}) };
    },
    podName: (index) =>
      Promise.resolve(
        model
          .listPodsOnNode(node)
          .filter((pod) => !pod.metadata?.deletionTimestamp)
          .map((pod) => pod.metadata!.name!)
          .sort()[index]!,
      ),
    evict: async (pod) => {
      const { code } = await sync(() => model.evictPod('apps', pod));
      return code === 200 ? 201 : code;
    },
    addReplica: () => {
      model.addPod({ namespace: 'apps', node: SPARE_NODE, app: 'web', owner: 'bare', ready: true });
      return Promise.resolve();
    },
    failPod: (pod) => Promise.resolve(model.failPod('apps', pod)),
    deleteNode: async () => (await sync(() => model.deleteNode(node))).code,
    registerNode: () => Promise.resolve(model.addNode(node, { unschedulable: false, annotations: {} })),
    deleteDaemonSet: async () => (await sync(() => model.deleteDaemonSet())).code,
    createDaemonSet: () => Promise.resolve(model.createDaemonSet()),
  };
}

async function realBackend(cluster: Cluster): Promise<{ backend: Backend; node: string }> {
  const [node] = await cluster.createNodes(1, { prefix: 'conf' });
  const ns = await cluster.newNamespace('conf');
  const readNode = () => cluster.core.readNode({ name: node! });
  const readDaemonSet = () => cluster.apps.readNamespacedDaemonSet({ namespace: ns, name: 'agent' });
  const createDaemonSet = async () => {
    // A DaemonSet for no node: its controller writes its status once, then leaves it alone, so the
    // resourceVersions in the trace move only by the trace's own writes.
    await cluster.createDaemonSet(ns, 'agent', { wait: false, nodeSelector: { 'kreboot.dev/no-such-node': 'true' } });
    await cluster.waitFor(
      async () => {
        const ds = await readDaemonSet();
        return ds.status?.observedGeneration === ds.metadata?.generation;
      },
      { what: 'the DaemonSet controller to have written its status' },
    );
  };
  await createDaemonSet();
  await cluster.createDeployment(ns, 'web', {
    replicas: 2,
    labels: { app: 'web', tier: 'web' },
    nodeSelector: { 'kubernetes.io/hostname': node! },
  });
  // The budget selects `tier` only, so a bare pod can add to it without the ReplicaSet adopting it.
  await cluster.createPdb(ns, 'web', { selector: { tier: 'web' }, minAvailable: 2 });
  const backend: Backend = {
    readNode,
    patchNode: async (body, name = node!) => {
      const { code, value } = await answer(() => cluster.core.patchNode({ name, body }, MERGE));
      return { code, ...(value ? { node: value } : {}) };
    },
    readDaemonSet,
    patchDaemonSet: async (body) => {
      const { code, value } = await answer(() => cluster.apps.patchNamespacedDaemonSet({ namespace: ns, name: 'agent', body }, MERGE));
      return { code, ...(value ? { ds: value } : {}) };
    },
    podName: async (index) => (await cluster.podsOnNode(ns, node!, { app: 'web' })).sort()[index]!,
    evict: (pod) => cluster.evict(ns, pod),
    addReplica: async () => {
      await cluster.createBarePod(ns, 'web-extra', { labels: { tier: 'web' } });
      await cluster.waitFor(
        async () =>
          ((await cluster.policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'web' })).status?.disruptionsAllowed ?? 0) >= 1,
        {
          what: 'the budget to allow one disruption',
          timeoutMs: 60_000,
        },
      );
    },
    failPod: async (pod) => {
      await cluster.core.patchNamespacedPodStatus(
        {
          namespace: ns,
          name: pod,
          body: { status: { phase: 'Failed', reason: 'Terminated', message: 'Pod was terminated in response to imminent node shutdown.' } },
        },
        MERGE,
      );
    },
    deleteNode: async () => (await answer(() => cluster.core.deleteNode({ name: node! }))).code,
    registerNode: async () => {
      await cluster.core.createNode({ body: { metadata: { name: node! } } });
    },
    deleteDaemonSet: async () => {
      const { code } = await answer(() => cluster.apps.deleteNamespacedDaemonSet({ namespace: ns, name: 'agent' }));
      await cluster.waitFor(async () => (await answer(readDaemonSet)).code === 404, { what: 'the DaemonSet to be gone' });
      return code;
    },
    createDaemonSet,
  };
  return { backend, node: node! };
}

/** What kreboot reads back from a Node: schedulability and its own annotations. */
function nodeFacts(node: V1Node | undefined): object | undefined {
  if (!node) return undefined;
  const annotations = Object.fromEntries(
    Object.entries(node.metadata?.annotations ?? {}).filter(([key]) => key.startsWith('kreboot.dev/')),
  );
  return { unschedulable: node.spec?.unschedulable === true, annotations };
}

function dsFacts(ds: V1DaemonSet | undefined): object | undefined {
  if (!ds) return undefined;
  return Object.fromEntries(
    Object.entries(ds.metadata?.annotations ?? {}).filter(([key]) => key.startsWith('kreboot.dev/') || key === LOCK),
  );
}

/** The recorded traces: each returns one outcome line per step. */
const traces: Record<string, (api: Backend) => Promise<unknown[]>> = {
  async 'Node writes: optimistic cordon, stale resourceVersion, no-op patch, removal, uncordon'(api) {
    const out: unknown[] = [];
    const first = (await api.readNode()).metadata!.resourceVersion!;
    const cordon = await api.patchNode({
      metadata: { resourceVersion: first, annotations: { [STATE]: '{"phase":"cordoned"}', [REQUEST]: '{"kind":"api"}' } },
      spec: { unschedulable: true },
    });
    out.push(['cordon at the read resourceVersion', cordon.code, nodeFacts(cordon.node), cordon.node?.metadata?.resourceVersion !== first]);
    const stale = await api.patchNode({
      metadata: { resourceVersion: first, annotations: { [STATE]: '{"phase":"done"}' } },
      spec: { unschedulable: false },
    });
    out.push(['the same resourceVersion again', stale.code, nodeFacts(await api.readNode())]);
    const current = (await api.readNode()).metadata!.resourceVersion!;
    const same = await api.patchNode({
      metadata: { resourceVersion: current, annotations: { [STATE]: '{"phase":"cordoned"}' } },
      spec: { unschedulable: true },
    });
    out.push(['a patch that changes nothing', same.code, same.node?.metadata?.resourceVersion === current]);
    const unconditional = await api.patchNode({ metadata: { annotations: { [STATE]: '{"phase":"draining"}' } } });
    out.push(['without a resourceVersion', unconditional.code, nodeFacts(unconditional.node)]);
    const done = await api.patchNode({
      metadata: {
        resourceVersion: unconditional.node!.metadata!.resourceVersion,
        annotations: { [STATE]: '{"phase":"done"}', [REQUEST]: null },
      },
      spec: { unschedulable: false },
    });
    out.push(['uncordon and remove the request', done.code, nodeFacts(done.node), done.node?.spec?.unschedulable]);
    const missing = await api.patchNode({ metadata: { annotations: { [STATE]: '{}' } } }, 'no-such-node-kreboot');
    out.push(['a Node that does not exist', missing.code]);
    return out;
  },

  async 'DaemonSet lock: two writers decide on the same resourceVersion'(api) {
    const out: unknown[] = [];
    const seen = (await api.readDaemonSet()).metadata!.resourceVersion!;
    const a = await api.patchDaemonSet({ metadata: { resourceVersion: seen, annotations: { [LOCK]: '{"nodeID":"a"}' } } });
    out.push(['writer A', a.code, dsFacts(a.ds)]);
    const b = await api.patchDaemonSet({
      metadata: { resourceVersion: seen, annotations: { [LOCK]: '{"nodeID":"b"}', 'kreboot.dev/paused': '{}' } },
    });
    out.push(['writer B on the old resourceVersion', b.code, dsFacts(await api.readDaemonSet())]);
    const again = await api.patchDaemonSet({
      metadata: { resourceVersion: (await api.readDaemonSet()).metadata!.resourceVersion, annotations: { 'kreboot.dev/paused': '{}' } },
    });
    out.push(['writer B after reading again', again.code, dsFacts(again.ds)]);
    const release = await api.patchDaemonSet({
      metadata: { resourceVersion: again.ds!.metadata!.resourceVersion, annotations: { [LOCK]: null } },
    });
    out.push(['release', release.code, dsFacts(release.ds)]);
    return out;
  },

  async 'Eviction of a pod a graceful shutdown stopped'(api) {
    const out: unknown[] = [];
    const [stopped, running] = [await api.podName(0), await api.podName(1)];
    await api.failPod(stopped);
    out.push(['evict the Failed pod while the budget forbids', await api.evict(stopped)]);
    out.push(['evict the running pod', await api.evict(running)]);
    return out;
  },

  async 'A Node deleted and registered again under its name'(api) {
    const out: unknown[] = [];
    const first = (await api.readNode()).metadata!.resourceVersion!;
    const cordon = await api.patchNode({
      metadata: { resourceVersion: first, annotations: { [STATE]: '{"phase":"cordoned"}', [REQUEST]: '{"kind":"api"}' } },
      spec: { unschedulable: true },
    });
    out.push(['cordon', cordon.code, nodeFacts(cordon.node)]);
    const uid = cordon.node!.metadata!.uid;
    out.push(['delete the Node', await api.deleteNode()]);
    out.push(['a write while it is gone', (await api.patchNode({ metadata: { annotations: { [STATE]: '{}' } } })).code]);
    await api.registerNode();
    const fresh = await api.readNode();
    out.push(['registered again: a fresh object', nodeFacts(fresh), fresh.metadata!.uid !== uid]);
    const stale = await api.patchNode({
      metadata: { resourceVersion: cordon.node!.metadata!.resourceVersion, annotations: { [STATE]: '{"phase":"done"}' } },
      spec: { unschedulable: false },
    });
    out.push(["a write on the old object's resourceVersion", stale.code]);
    const again = await api.patchNode({
      metadata: { resourceVersion: fresh.metadata!.resourceVersion, annotations: { [STATE]: '{"phase":"cordoned"}' } },
      spec: { unschedulable: true },
    });
    out.push(['a write on the new resourceVersion', again.code, nodeFacts(again.node)]);
    return out;
  },

  async 'The lock DaemonSet deleted and created again'(api) {
    const out: unknown[] = [];
    const seen = (await api.readDaemonSet()).metadata!.resourceVersion!;
    const lock = await api.patchDaemonSet({
      metadata: { resourceVersion: seen, annotations: { [LOCK]: '{"nodeID":"a"}', 'kreboot.dev/halted': '{}' } },
    });
    out.push(['lock and halt', lock.code, dsFacts(lock.ds)]);
    out.push(['delete the DaemonSet', await api.deleteDaemonSet()]);
    out.push(['a write while it is gone', (await api.patchDaemonSet({ metadata: { annotations: { [LOCK]: null } } })).code]);
    await api.createDaemonSet();
    const fresh = await api.readDaemonSet();
    out.push(['created again: no records', dsFacts(fresh)]);
    const stale = await api.patchDaemonSet({
      metadata: { resourceVersion: lock.ds!.metadata!.resourceVersion, annotations: { [LOCK]: '{"nodeID":"b"}' } },
    });
    out.push(["a write on the old object's resourceVersion", stale.code]);
    const again = await api.patchDaemonSet({
      metadata: { resourceVersion: fresh.metadata!.resourceVersion, annotations: { [LOCK]: '{"nodeID":"b"}' } },
    });
    out.push(['a write on the new resourceVersion', again.code, dsFacts(again.ds)]);
    return out;
  },

  async 'Eviction under a PodDisruptionBudget'(api) {
    const out: unknown[] = [];
    const pod = await api.podName(0);
    out.push(['evict while the budget forbids', await api.evict(pod)]);
    out.push(['evict the other replica', await api.evict(await api.podName(1))]);
    await api.addReplica();
    out.push(['evict once another replica is Ready', await api.evict(pod)]);
    out.push(['evict a pod that does not exist', await api.evict('no-such-pod')]);
    return out;
  },
};

describe('simulation API model conforms to the real API server', () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster();
  });
  afterEach((t) => printOnFailure(t, () => cluster.dumpLogs({ print: false })));
  after(() => cluster?.stop());

  for (const [name, trace] of Object.entries(traces)) {
    it(name, async () => {
      const real = await realBackend(cluster);
      const expected = await trace(real.backend);
      const modelled = await trace(modelBackend(real.node));
      assert.deepEqual(modelled, expected);
    });
  }
});
