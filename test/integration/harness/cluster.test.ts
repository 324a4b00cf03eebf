// Smoke tests proving the local control plane is real: PDBs are enforced by the Eviction API, the
// scheduler honours cordons, ReplicaSets recreate evicted pods elsewhere, and RBAC denies a
// ServiceAccount token what it was not granted.

import { CoreV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { NODE_GROUP_LABEL, startCluster, statusCode, type Cluster } from '../../harness/cluster.ts';
import { printOnFailure } from '../../harness/on-failure.ts';

describe('local control plane', () => {
  let cluster: Cluster;

  before(async () => {
    cluster = await startCluster();
  });
  afterEach((t) => printOnFailure(t, () => cluster.dumpLogs({ print: false })));
  after(() => cluster?.stop());

  it('refuses an eviction the PDB does not allow (429), and performs it once the PDB allows it', async () => {
    const ns = await cluster.newNamespace('pdb');
    const [node] = await cluster.createNodes(1, { prefix: 'pdb' });
    await cluster.createDeployment(ns, 'web', { replicas: 1, nodeSelector: { 'kubernetes.io/hostname': node! } });
    await cluster.createPdb(ns, 'web', { selector: { app: 'web' }, maxUnavailable: 0 });
    const [pod] = await cluster.podsOnNode(ns, node!, { app: 'web' });
    assert.ok(pod, 'the deployment has a pod on the node');

    assert.equal(await cluster.evict(ns, pod), 429);
    assert.deepEqual(await cluster.podsOnNode(ns, node!, { app: 'web' }), [pod], 'the refused eviction left the pod alone');

    await cluster.policy.replaceNamespacedPodDisruptionBudget({
      namespace: ns,
      name: 'web',
      body: {
        ...(await cluster.policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'web' })),
        spec: { selector: { matchLabels: { app: 'web' } }, maxUnavailable: 1 },
      },
    });
    await cluster.waitFor(
      async () =>
        ((await cluster.policy.readNamespacedPodDisruptionBudget({ namespace: ns, name: 'web' })).status?.disruptionsAllowed ?? 0) >= 1,
      { what: 'the PDB to allow one disruption' },
    );
    assert.equal(await cluster.evict(ns, pod), 201);
    await cluster.waitFor(
      async () => {
        try {
          await cluster.core.readNamespacedPod({ namespace: ns, name: pod });
          return false;
        } catch (error) {
          return statusCode(error) === 404;
        }
      },
      { what: `evicted pod ${pod} to be gone` },
    );
  });

  it('schedules no new pods onto a cordoned node', async () => {
    const ns = await cluster.newNamespace('cordon');
    const [cordoned, open] = await cluster.createNodes(2, { prefix: 'cordon' });
    await cluster.setUnschedulable(cordoned!, true);
    const group = (await cluster.core.readNode({ name: cordoned! })).metadata!.labels![NODE_GROUP_LABEL]!;
    await cluster.createDeployment(ns, 'spread', { replicas: 4, nodeSelector: { [NODE_GROUP_LABEL]: group } });
    assert.deepEqual(await cluster.podsOnNode(ns, cordoned!), []);
    assert.equal((await cluster.podsOnNode(ns, open!)).length, 4);
  });

  it('recreates an evicted Deployment pod on another node', async () => {
    const ns = await cluster.newNamespace('resched');
    const nodes = await cluster.createNodes(2, { prefix: 'resched', zones: ['zone-a', 'zone-b'] });
    const group = (await cluster.core.readNode({ name: nodes[0]! })).metadata!.labels![NODE_GROUP_LABEL]!;
    assert.equal((await cluster.core.readNode({ name: nodes[1]! })).metadata!.labels!['topology.kubernetes.io/zone'], 'zone-b');
    await cluster.createDeployment(ns, 'api', { replicas: 1, nodeSelector: { [NODE_GROUP_LABEL]: group } });
    const from = (await Promise.all(nodes.map(async (n) => ((await cluster.podsOnNode(ns, n)).length ? n : undefined)))).find(Boolean)!;
    const to = nodes.find((n) => n !== from)!;
    const [pod] = await cluster.podsOnNode(ns, from);

    // What a drain does: cordon, then evict.
    await cluster.setUnschedulable(from, true);
    assert.equal(await cluster.evict(ns, pod!), 201);
    const replacement = await cluster.waitFor(
      async () => {
        const pods = await cluster.core.listNamespacedPod({ namespace: ns, labelSelector: 'app=api' });
        const running = pods.items.filter(
          (p) => p.spec?.nodeName === to && p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp,
        );
        const old = pods.items.some((p) => p.metadata?.name === pod);
        return !old && running.length === 1 ? running[0]!.metadata!.name : undefined;
      },
      { timeoutMs: 60_000, what: `a replacement of ${pod} Running on ${to}` },
    );
    assert.notEqual(replacement, pod);
  });

  it('denies a ServiceAccount token what RBAC does not grant (403), and allows what it does', async () => {
    const ns = await cluster.newNamespace('rbac');
    const kubeconfig = await cluster.serviceAccountKubeconfig(ns, 'reader');
    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfig);
    const asReader = kc.makeApiClient(CoreV1Api);

    const denied = await asReader.listNamespacedPod({ namespace: ns }).then(
      () => 200,
      (error: unknown) => statusCode(error),
    );
    assert.equal(denied, 403);

    await cluster.grant(ns, 'reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]);
    // RBAC changes reach the authorizer through a watch: wait, do not assume.
    await cluster.waitFor(() => asReader.listNamespacedPod({ namespace: ns }).then(() => true), { what: 'the granted list to be allowed' });
    const stillDenied = await asReader.listNamespacedPod({ namespace: 'default' }).then(
      () => 200,
      (error: unknown) => statusCode(error),
    );
    assert.equal(stillDenied, 403, 'the Role grants nothing outside its namespace');
    const nodesDenied = await asReader.listNode().then(
      () => 200,
      (error: unknown) => statusCode(error),
    );
    assert.equal(nodesDenied, 403);
  });

  it('runs a DaemonSet pod on each selected node and a bare pod on a named node', async () => {
    const ns = await cluster.newNamespace('ds');
    const nodes = await cluster.createNodes(3, { prefix: 'ds', labels: { 'kreboot.dev/role': 'ds-test' } });
    const group = (await cluster.core.readNode({ name: nodes[0]! })).metadata!.labels![NODE_GROUP_LABEL]!;
    await cluster.createDaemonSet(ns, 'agent', { nodeSelector: { [NODE_GROUP_LABEL]: group } });
    for (const node of nodes) assert.equal((await cluster.podsOnNode(ns, node, { app: 'agent' })).length, 1, `one agent pod on ${node}`);
    await cluster.createBarePod(ns, 'lonely', { nodeName: nodes[2]! });
    assert.deepEqual(await cluster.podsOnNode(ns, nodes[2]!, { app: 'lonely' }), ['lonely']);
  });

  it('makes a running pod Ready again after it was marked not-ready, as a kubelet does once its node is back', async () => {
    const ns = await cluster.newNamespace('ready');
    const [node] = await cluster.createNodes(1, { prefix: 'ready' });
    await cluster.createBarePod(ns, 'app', { nodeName: node! });
    // What the node lifecycle controller writes for the pods of a NotReady node.
    await cluster.core.patchNamespacedPodStatus(
      {
        namespace: ns,
        name: 'app',
        body: { status: { conditions: [{ type: 'Ready', status: 'False', lastTransitionTime: new Date() }] } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    await cluster.waitFor(
      async () =>
        (await cluster.core.readNamespacedPod({ namespace: ns, name: 'app' })).status?.conditions?.find((c) => c.type === 'Ready')
          ?.status === 'True',
      { timeoutMs: 30_000, what: 'pod Ready again' },
    );
  });
});
