// The manifests' identities, with real tokens against the RBAC-enforcing API server: the agent may
// write only its own Node's agent annotations (RBAC + the admission policy), the controller may do
// exactly what its state machine needs, and everything else is really denied.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import {
  AppsV1Api,
  AuthenticationV1Api,
  AuthorizationV1Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  PolicyV1Api,
  setHeaderOptions,
  type KubeConfig,
} from '@kubernetes/client-node';
import { startCluster } from '../../harness/cluster.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { attempt, createPinnedPod, serviceAccountIdentity, type Identity, type Outcome } from '../../harness/packaging/manifest-tokens.ts';
import { applyServerSide, deleteManifests, kubectl, kustomize, run } from '../../harness/packaging/cli-tools.ts';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const tmp = mkdtempSync(join(tmpdir(), 'kreboot-rbac-'));
let cluster: Awaited<ReturnType<typeof startCluster>>;
const base = kustomize('deploy/base');
let admin: KubeConfig;
let nodes: string[];
let agent: Identity;
let unboundAgent: Identity;
let controller: Identity;
let workNamespace: string;

function allowed(outcome: Outcome, what: string): void {
  assert.ok(outcome.status < 300, `${what}: expected allowed, got ${outcome.status} ${outcome.message}`);
}

function denied(outcome: Outcome, what: string, message?: RegExp): void {
  assert.equal(outcome.status, 403, `${what}: expected 403, got ${outcome.status} ${outcome.message}`);
  if (message) assert.match(outcome.message, message, what);
}

const patchNode = (kc: KubeConfig, name: string, body: object) =>
  attempt(() => kc.makeApiClient(CoreV1Api).patchNode({ name, body }, MERGE));
const annotate = (kc: KubeConfig, name: string, annotations: Record<string, string | null>) =>
  patchNode(kc, name, { metadata: { annotations } });

async function barePod(name: string, node: string) {
  return createPinnedPod(admin, workNamespace, name, 'default', node);
}

before(async () => {
  cluster = await startCluster();
  admin = cluster.kc;
  const result = applyServerSide(cluster.kubeconfigPath, base);
  assert.equal(result.code, 0, result.stderr);
  nodes = await cluster.createNodes(2, { prefix: 'rbac-' });
  workNamespace = await cluster.newNamespace();
  const agentPod = await createPinnedPod(admin, 'kreboot', 'agent-probe', 'kreboot-agent', nodes[0]!);
  agent = await serviceAccountIdentity(admin, 'kreboot', 'kreboot-agent', join(tmp, 'agent.kubeconfig'), agentPod);
  unboundAgent = await serviceAccountIdentity(admin, 'kreboot', 'kreboot-agent', join(tmp, 'agent-unbound.kubeconfig'));
  const controllerPod = await createPinnedPod(admin, 'kreboot', 'controller-probe', 'kreboot-controller', nodes[1]!);
  controller = await serviceAccountIdentity(admin, 'kreboot', 'kreboot-controller', join(tmp, 'controller.kubeconfig'), controllerPod);
  // The policy is enforced once the API server has loaded it: wait until it denies, then test.
  await waitFor(async () => (await annotate(agent.kc, nodes[1]!, { 'kreboot.dev/boot-id': 'x' })).status === 403, {
    timeoutMs: 60_000,
    what: 'the admission policy to be enforced',
  });
});

afterEach((t) => printOnFailure(t, () => cluster.dumpLogs()));

after(async () => {
  if (cluster) deleteManifests(cluster.kubeconfigPath, base);
  await cluster?.stop();
});

test("the agent's bound token names the node of its pod", async () => {
  const review = await agent.kc.makeApiClient(AuthenticationV1Api).createSelfSubjectReview({ body: {} });
  assert.equal(review.status?.userInfo?.username, 'system:serviceaccount:kreboot:kreboot-agent');
  assert.deepEqual(review.status?.userInfo?.extra?.['authentication.kubernetes.io/node-name'], [nodes[0]]);
});

test('the agent may write and remove its own annotations on its own Node, read Nodes and watch its own, but not list them', async () => {
  allowed(
    await annotate(agent.kc, nodes[0]!, {
      'kreboot.dev/boot-id': 'boot-1',
      'kreboot.dev/boot-time': '2026-01-01T00:00:00.000Z',
      'kreboot.dev/reboot-required': 'true',
      'kreboot.dev/job-status': '{"id":"j1","state":"acknowledged"}',
    }),
    'own annotations',
  );
  allowed(await annotate(agent.kc, nodes[0]!, { 'kreboot.dev/job-status': null }), 'remove own annotation');
  const node = await admin.makeApiClient(CoreV1Api).readNode({ name: nodes[0]! });
  assert.equal(node.metadata?.annotations?.['kreboot.dev/boot-id'], 'boot-1');
  assert.equal(node.metadata?.annotations?.['kreboot.dev/job-status'], undefined);
  const core = agent.kc.makeApiClient(CoreV1Api);
  allowed(await attempt(() => core.readNode({ name: nodes[1]! })), 'read another node');
  const watch = run(kubectl(), [
    '--kubeconfig',
    agent.kubeconfigPath,
    'get',
    '--raw',
    `/api/v1/nodes?watch=true&fieldSelector=metadata.name%3D${nodes[0]}&timeoutSeconds=1`,
  ]);
  assert.equal(watch.code, 0, `watch own node: ${watch.stderr}`);
  assert.match(watch.stdout, /"type":"ADDED"/);
  denied(await attempt(() => core.listNode()), 'list nodes');
});

test('the agent may not write another Node, nor write with a token that names no node', async () => {
  denied(
    await annotate(agent.kc, nodes[1]!, { 'kreboot.dev/boot-id': 'x' }),
    'another node',
    new RegExp(`on ${nodes[0]} may write only its own Node, not ${nodes[1]}`),
  );
  denied(await annotate(unboundAgent.kc, nodes[0]!, { 'kreboot.dev/boot-id': 'x' }), 'unbound token', /token names no node/);
});

test('the agent may not cordon, taint or label its own Node, nor touch annotations it does not own', async () => {
  denied(await patchNode(agent.kc, nodes[0]!, { spec: { unschedulable: true } }), 'cordon', /may not change a Node's spec/);
  denied(await patchNode(agent.kc, nodes[0]!, { spec: { taints: [{ key: 'x', effect: 'NoSchedule' }] } }), 'taint', /spec/);
  denied(await patchNode(agent.kc, nodes[0]!, { metadata: { labels: { 'kreboot.dev/x': 'y' } } }), 'label', /labels/);
  // Denied by both the agent policy and kreboot-node-keys; whichever the API server asks first answers.
  denied(
    await annotate(agent.kc, nodes[0]!, { 'kreboot.dev/reboot-job': '{"id":"forged"}' }),
    'controller annotation',
    /only its own annotations|only the kreboot controller/,
  );
  denied(await annotate(agent.kc, nodes[0]!, { 'example.com/owner': 'me' }), 'foreign annotation', /only its own annotations/);
  const node = await admin.makeApiClient(CoreV1Api).readNode({ name: nodes[0]! });
  assert.notEqual(node.spec?.unschedulable, true);
  assert.equal(node.metadata?.annotations?.['kreboot.dev/reboot-job'], undefined);
});

test('RBAC denies the agent evictions, deletions, status writes, pods and secrets', async () => {
  const pod = await barePod('agent-victim', nodes[0]!);
  const core = agent.kc.makeApiClient(CoreV1Api);
  const ns = workNamespace;
  denied(
    await attempt(() =>
      core.createNamespacedPodEviction({
        name: pod.metadata!.name!,
        namespace: ns,
        body: { metadata: { name: pod.metadata!.name!, namespace: ns } },
      }),
    ),
    'evict',
  );
  denied(await attempt(() => core.deleteNode({ name: nodes[0]! })), 'delete node');
  denied(
    await attempt(() =>
      core.patchNodeStatus({ name: nodes[0]!, body: { metadata: { annotations: { 'kreboot.dev/boot-id': 'y' } } } }, MERGE),
    ),
    'node status',
  );
  denied(
    await attempt(async () => core.replaceNode({ name: nodes[0]!, body: await core.readNode({ name: nodes[0]! }) })),
    'update (PUT) node',
  );
  denied(await attempt(() => core.listPodForAllNamespaces()), 'list pods');
  denied(await attempt(() => core.listNamespacedSecret({ namespace: 'kreboot' })), 'list secrets');
  // Budgets are read (to complete an interrupted eviction), never written.
  const policy = controller.kc.makeApiClient(PolicyV1Api);
  allowed(await attempt(() => policy.listNamespacedPodDisruptionBudget({ namespace: ns })), 'list PodDisruptionBudgets');
  denied(
    await attempt(() =>
      policy.createNamespacedPodDisruptionBudget({
        namespace: ns,
        body: { metadata: { name: 'pdb' }, spec: { maxUnavailable: 1, selector: {} } },
      }),
    ),
    'create PodDisruptionBudget',
  );
});

test('the controller may cordon, label, taint and annotate Nodes, and read and watch them', async () => {
  const name = nodes[1]!;
  allowed(
    await patchNode(controller.kc, name, {
      spec: { unschedulable: true, taints: [{ key: 'kreboot.dev/waiting', effect: 'PreferNoSchedule' }] },
    }),
    'cordon + taint',
  );
  allowed(
    await patchNode(controller.kc, name, {
      metadata: { labels: { 'kreboot.dev/phase': 'draining' }, annotations: { 'kreboot.dev/state': '{}', 'kreboot.dev/reboot-job': '{}' } },
    }),
    'labels + annotations',
  );
  allowed(
    await patchNode(controller.kc, name, {
      spec: { unschedulable: null, taints: null },
      metadata: { labels: { 'kreboot.dev/phase': null } },
    }),
    'uncordon',
  );
  allowed(await attempt(() => controller.kc.makeApiClient(CoreV1Api).listNode()), 'list nodes');
  const core = controller.kc.makeApiClient(CoreV1Api);
  denied(await attempt(() => core.deleteNode({ name })), 'delete node');
  denied(await attempt(async () => core.replaceNode({ name, body: await core.readNode({ name }) })), 'update (PUT) node');
});

test('the controller may list pods everywhere, evict them and delete bare ones, and nothing more on pods', async () => {
  const core = controller.kc.makeApiClient(CoreV1Api);
  const ns = workNamespace;
  const evictee = await barePod('evictee', nodes[1]!);
  const bare = await barePod('bare', nodes[1]!);
  allowed(await attempt(() => core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${nodes[1]}` })), 'list pods');
  allowed(
    await attempt(() =>
      core.createNamespacedPodEviction({
        name: evictee.metadata!.name!,
        namespace: ns,
        body: { metadata: { name: evictee.metadata!.name!, namespace: ns } },
      }),
    ),
    'evict',
  );
  allowed(await attempt(() => core.deleteNamespacedPod({ name: bare.metadata!.name!, namespace: ns })), 'delete bare pod');
  denied(await attempt(() => core.readNamespacedPod({ name: 'anything', namespace: ns })), 'get pod');
  denied(
    await attempt(() =>
      core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'x' }] } } }),
    ),
    'create pod',
  );
  denied(await attempt(() => core.listNamespacedSecret({ namespace: 'kreboot' })), 'list secrets');
});

test('the controller may hold the kured lock on its own DaemonSet only', async () => {
  const apps = controller.kc.makeApiClient(AppsV1Api);
  allowed(await attempt(() => apps.readNamespacedDaemonSet({ namespace: 'kreboot', name: 'kreboot-agent' })), 'read DaemonSet');
  allowed(
    await attempt(() => apps.listNamespacedDaemonSet({ namespace: 'kreboot', fieldSelector: 'metadata.name=kreboot-agent' })),
    'list DaemonSet by name',
  );
  allowed(
    await attempt(() =>
      apps.patchNamespacedDaemonSet(
        {
          namespace: 'kreboot',
          name: 'kreboot-agent',
          body: { metadata: { annotations: { 'weave.works/kured-node-lock': '{"nodeID":"","maxOwners":1,"locks":[]}' } } },
        },
        MERGE,
      ),
    ),
    'lock annotation',
  );
  // Listing every DaemonSet is the workload gate's read-only watch (next test); writing any but the lock's is denied.
  denied(
    await attempt(() =>
      apps.patchNamespacedDaemonSet({ namespace: 'kube-system', name: 'kured', body: { metadata: { annotations: { a: 'b' } } } }, MERGE),
    ),
    'another DaemonSet',
  );
  denied(await attempt(() => apps.deleteNamespacedDaemonSet({ namespace: 'kreboot', name: 'kreboot-agent' })), 'delete DaemonSet');
});

test('the workload gate may list and watch workloads and budgets everywhere, and change none of them', async () => {
  const apps = controller.kc.makeApiClient(AppsV1Api);
  const policy = controller.kc.makeApiClient(PolicyV1Api);
  const core = controller.kc.makeApiClient(CoreV1Api);
  allowed(await attempt(() => apps.listReplicaSetForAllNamespaces({ limit: 1 })), 'list ReplicaSets');
  allowed(await attempt(() => apps.listStatefulSetForAllNamespaces({ limit: 1 })), 'list StatefulSets');
  allowed(await attempt(() => apps.listDaemonSetForAllNamespaces({ limit: 1 })), 'list DaemonSets');
  allowed(await attempt(() => policy.listPodDisruptionBudgetForAllNamespaces({ limit: 1 })), 'list PodDisruptionBudgets');
  for (const path of [
    '/apis/apps/v1/replicasets',
    '/apis/apps/v1/statefulsets',
    '/apis/apps/v1/daemonsets',
    '/apis/policy/v1/poddisruptionbudgets',
  ]) {
    const watch = run(kubectl(), ['--kubeconfig', controller.kubeconfigPath, 'get', '--raw', `${path}?watch=true&timeoutSeconds=1`]);
    assert.equal(watch.code, 0, `watch ${path}: ${watch.stderr}`);
  }
  // The budget's pods, by its selector in its namespace.
  allowed(await attempt(() => core.listNamespacedPod({ namespace: workNamespace, labelSelector: 'app=web' })), 'list pods by selector');
  denied(await attempt(() => apps.readNamespacedReplicaSet({ namespace: workNamespace, name: 'web' })), 'get ReplicaSet');
  denied(await attempt(() => apps.listDeploymentForAllNamespaces()), 'list Deployments');
  denied(
    await attempt(() => apps.patchNamespacedStatefulSet({ namespace: workNamespace, name: 'db', body: { spec: { replicas: 0 } } }, MERGE)),
    'patch StatefulSet',
  );
  denied(
    await attempt(() =>
      apps.createNamespacedReplicaSet({
        namespace: workNamespace,
        body: {
          metadata: { name: 'rs' },
          spec: {
            selector: { matchLabels: { a: 'b' } },
            template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
          },
        },
      }),
    ),
    'create ReplicaSet',
  );
});

test('the controller may create and renew its own leader Lease only, and record Node events in default', async () => {
  const leases = controller.kc.makeApiClient(CoordinationV1Api);
  const name = 'kreboot-controller';
  allowed(
    await attempt(() =>
      leases.createNamespacedLease({
        namespace: 'kreboot',
        body: { metadata: { name }, spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } },
      }),
    ),
    'create Lease',
  );
  const lease = await leases.readNamespacedLease({ namespace: 'kreboot', name });
  allowed(
    await attempt(() =>
      leases.replaceNamespacedLease({ namespace: 'kreboot', name, body: { ...lease, spec: { ...lease.spec, holderIdentity: 'b' } } }),
    ),
    'renew Lease',
  );
  denied(await attempt(() => leases.readNamespacedLease({ namespace: 'kreboot', name: 'someone-else' })), 'another Lease');
  denied(await attempt(() => leases.deleteNamespacedLease({ namespace: 'kreboot', name })), 'delete Lease');

  const core = controller.kc.makeApiClient(CoreV1Api);
  const event = (namespace: string) => ({
    namespace,
    body: {
      metadata: { generateName: `${nodes[1]}.kreboot.`, namespace },
      involvedObject: { kind: 'Node', name: nodes[1] },
      reason: 'RebootStarted',
      message: 'test',
      type: 'Normal',
    },
  });
  allowed(await attempt(() => core.createNamespacedEvent(event('default'))), 'event in default');
  denied(await attempt(() => core.createNamespacedEvent(event(workNamespace))), 'event elsewhere');
});

test('the controller may ask who a token belongs to and what RBAC allows a user (operator actions as the user); the agent may not', async () => {
  const reviewAs = (kc: KubeConfig) => ({
    token: () => attempt(() => kc.makeApiClient(AuthenticationV1Api).createTokenReview({ body: { spec: { token: agent.token } } })),
    access: () =>
      attempt(() =>
        kc.makeApiClient(AuthorizationV1Api).createSubjectAccessReview({
          body: {
            spec: {
              user: 'alice',
              resourceAttributes: {
                verb: 'create',
                group: 'kreboot.dev',
                resource: 'rollouts',
                subresource: 'pause',
                namespace: 'kreboot',
              },
            },
          },
        }),
      ),
  });
  allowed(await reviewAs(controller.kc).token(), 'TokenReview');
  allowed(await reviewAs(controller.kc).access(), 'SubjectAccessReview');
  denied(await reviewAs(agent.kc).token(), 'agent TokenReview');
  denied(await reviewAs(agent.kc).access(), 'agent SubjectAccessReview');
  const review = await controller.kc.makeApiClient(AuthenticationV1Api).createTokenReview({ body: { spec: { token: agent.token } } });
  assert.equal(review.status?.user?.username, 'system:serviceaccount:kreboot:kreboot-agent');
});

test('hook Jobs: the controller may create, watch, read and delete Jobs in its own namespace only with the hooks component, nothing more', async () => {
  const jobs = (kc: KubeConfig) => kc.makeApiClient(BatchV1Api);
  const job = (name: string) => ({
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name },
    spec: {
      template: {
        spec: {
          restartPolicy: 'Never',
          nodeSelector: { 'kreboot-test/no-such-node': 'true' },
          containers: [{ name: 'hook', image: 'registry.example/hook:1' }],
        },
      },
    },
  });
  const create = (kc: KubeConfig, namespace: string, name: string) =>
    attempt(() => jobs(kc).createNamespacedJob({ namespace, body: job(name) }));
  // The base grants nothing on Jobs: hooks are off until the component (or a chart value) is added.
  denied(await create(controller.kc, 'kreboot', 'hook-before'), 'create a Job without the hooks component');
  const rbacFile = readFileSync('deploy/components/hooks/hooks-rbac.yaml', 'utf8');
  const applied = applyServerSide(cluster.kubeconfigPath, rbacFile);
  assert.equal(applied.code, 0, applied.stderr);
  try {
    await waitFor(async () => (await create(controller.kc, 'kreboot', 'hook-a')).status < 300, {
      what: 'the hooks Role to take effect',
      timeoutMs: 30_000,
    });
    allowed(await attempt(() => jobs(controller.kc).readNamespacedJob({ namespace: 'kreboot', name: 'hook-a' })), 'get a Job');
    denied(
      await attempt(() =>
        jobs(controller.kc).patchNamespacedJob({ namespace: 'kreboot', name: 'hook-a', body: { spec: { suspend: true } } }, MERGE),
      ),
      'patch a Job',
    );
    allowed(await attempt(() => jobs(controller.kc).listNamespacedJob({ namespace: 'kreboot' })), 'list Jobs (the watch)');
    denied(await attempt(() => jobs(controller.kc).listJobForAllNamespaces()), 'list Jobs everywhere');
    denied(await create(controller.kc, workNamespace, 'hook-b'), 'a Job in another namespace');
    denied(await create(agent.kc, 'kreboot', 'hook-c'), 'the agent creating a Job');
    denied(
      await attempt(() =>
        controller.kc
          .makeApiClient(CoreV1Api)
          .createNamespacedPod({ namespace: 'kreboot', body: { metadata: { name: 'p' }, spec: job('p').spec.template.spec } }),
      ),
      'a bare pod (only Jobs)',
    );
    allowed(
      await attempt(() =>
        jobs(controller.kc).deleteNamespacedJob({ namespace: 'kreboot', name: 'hook-a', propagationPolicy: 'Background' }),
      ),
      'delete a Job',
    );
  } finally {
    deleteManifests(cluster.kubeconfigPath, rbacFile);
  }
});
