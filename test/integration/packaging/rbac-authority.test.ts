// Who may arm a reboot, enforced by the real API server (the admission policies of deploy/base):
// three identities — the controller's ServiceAccount, an agent's bound token, and a third user who
// may patch Nodes — and a cluster admin, each with an allowed and a denied case per rule. The
// agent's confinement to its own Node is tested in rbac.test.ts.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { AppsV1Api, CoreV1Api, PatchStrategy, RbacAuthorizationV1Api, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { startCluster } from '../../harness/cluster.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { CONTROLLER } from '../../../src/store/keys.ts';
import { createClusterApi } from '../../../src/controller/cluster-api.ts';
import { observeNode } from '../../../src/controller/policy/observed-node.ts';
import { createNodeWriter } from '../../../src/controller/steps/node-writer.ts';
import { startPatch, type PatchSettings } from '../../../src/controller/steps/node-patches.ts';
import { pino } from 'pino';
import { attempt, createPinnedPod, serviceAccountIdentity, type Identity, type Outcome } from '../../harness/packaging/manifest-tokens.ts';
import { applyServerSide, deleteManifests, helmTemplate, kubectl, kubectlOk, kustomize, run } from '../../harness/packaging/cli-tools.ts';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const silentLog = pino({ level: 'silent' });
const PATCH_SETTINGS: PatchSettings = {
  preferNoScheduleTaint: '',
  preRebootNodeLabels: {},
  postRebootNodeLabels: {},
  annotateNodes: false,
  rebootTimeoutMs: 600_000,
};
const tmp = mkdtempSync(join(tmpdir(), 'kreboot-authority-'));
const POLICIES = ['kreboot-agent-own-node', 'kreboot-node-keys', 'kreboot-controller-nodes', 'kreboot-controller-daemonset'];
let cluster: Awaited<ReturnType<typeof startCluster>>;
let manifests = kustomize('deploy/base');
let admin: KubeConfig;
let nodes: string[];
let agent: Identity;
let controller: Identity;
let patcher: Identity;
let patcherRole = '';

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
const patchDaemonSet = (kc: KubeConfig, body: object) =>
  attempt(() => kc.makeApiClient(AppsV1Api).patchNamespacedDaemonSet({ namespace: 'kreboot', name: 'kreboot-agent', body }, MERGE));
const annotations = async (name: string) => (await admin.makeApiClient(CoreV1Api).readNode({ name })).metadata?.annotations ?? {};

/** kubectl as a cluster admin (system:masters), optionally also in the break-glass group. */
function asAdmin(args: string[], breakGlass: boolean): Outcome {
  const groups = ['--as=test-admin', '--as-group=system:masters', ...(breakGlass ? ['--as-group=kreboot:break-glass'] : [])];
  const result = run(kubectl(), ['--kubeconfig', cluster.kubeconfigPath, ...groups, ...args]);
  return { status: result.code === 0 ? 200 : /forbidden|denied request/i.test(result.stderr) ? 403 : 500, message: result.stderr };
}

/** Waits for the API server's type check of a policy and returns its warnings. */
async function typeWarnings(name: string): Promise<unknown[]> {
  const status = await waitFor(
    () => {
      const policy = JSON.parse(kubectlOk(cluster.kubeconfigPath, ['get', 'validatingadmissionpolicy', name, '-o', 'json']));
      return policy.status?.typeChecking !== undefined && policy.status.observedGeneration === policy.metadata.generation
        ? policy.status
        : undefined;
    },
    { timeoutMs: 60_000, what: `type checking of ${name}` },
  );
  return status.typeChecking.expressionWarnings ?? [];
}

/** The policies are enforced once the API server has loaded them: wait until each denies. */
async function waitEnforced(): Promise<void> {
  // A new value each try: a patch that changes nothing is answered without admission, so a try that
  // landed before a policy was loaded would otherwise succeed for ever.
  let probe = 0;
  await waitFor(async () => (await annotate(patcher.kc, nodes[0]!, { [CONTROLLER.rebootJob]: `probe-${probe++}` })).status === 403, {
    timeoutMs: 60_000,
    what: 'kreboot-node-keys to be enforced',
  });
  await waitFor(
    async () =>
      (await patchNode(controller.kc, nodes[1]!, { metadata: { labels: { 'example.com/probe': `x${probe++}` } } })).status === 403,
    { timeoutMs: 60_000, what: 'kreboot-controller-nodes to be enforced' },
  );
  await waitFor(async () => (await patchDaemonSet(controller.kc, { metadata: { labels: { probe: `x${probe++}` } } })).status === 403, {
    timeoutMs: 60_000,
    what: 'kreboot-controller-daemonset to be enforced',
  });
  // A probe that landed before kreboot-node-keys was loaded left a reboot job: the controller, the
  // one identity allowed to, removes it so the tests start from a Node without one.
  assert.ok((await annotate(controller.kc, nodes[0]!, { [CONTROLLER.rebootJob]: null })).status < 300, 'the probe removed');
}

before(async () => {
  cluster = await startCluster();
  admin = cluster.kc;
  const result = applyServerSide(cluster.kubeconfigPath, manifests);
  assert.equal(result.code, 0, result.stderr);
  nodes = await cluster.createNodes(2, { prefix: 'authority-' });
  const agentPod = await createPinnedPod(admin, 'kreboot', 'agent-authority', 'kreboot-agent', nodes[0]!);
  agent = await serviceAccountIdentity(admin, 'kreboot', 'kreboot-agent', join(tmp, 'agent.kubeconfig'), agentPod);
  const controllerPod = await createPinnedPod(admin, 'kreboot', 'controller-authority', 'kreboot-controller', nodes[1]!);
  controller = await serviceAccountIdentity(admin, 'kreboot', 'kreboot-controller', join(tmp, 'controller.kubeconfig'), controllerPod);
  // The third user: anyone granted nodes/patch (a node-labeling operator, a CI job).
  const namespace = await cluster.newNamespace('authority');
  await admin.makeApiClient(CoreV1Api).createNamespacedServiceAccount({ namespace, body: { metadata: { name: 'node-patcher' } } });
  const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
  patcherRole = `${namespace}-node-patcher`;
  await rbac.createClusterRole({
    body: { metadata: { name: `${namespace}-node-patcher` }, rules: [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'patch'] }] },
  });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: `${namespace}-node-patcher` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${namespace}-node-patcher` },
      subjects: [{ kind: 'ServiceAccount', name: 'node-patcher', namespace }],
    },
  });
  patcher = await serviceAccountIdentity(admin, namespace, 'node-patcher', join(tmp, 'patcher.kubeconfig'));
  await waitFor(
    async () => (await patchNode(patcher.kc, nodes[0]!, { metadata: { labels: { 'example.com/ready': 'yes' } } })).status < 300,
    { timeoutMs: 30_000, what: "the third user's RBAC" },
  );
  await waitEnforced();
});

afterEach((t) => printOnFailure(t, () => cluster.dumpLogs()));

after(async () => {
  if (cluster) deleteManifests(cluster.kubeconfigPath, manifests);
  if (patcherRole !== '') {
    const rbac = admin.makeApiClient(RbacAuthorizationV1Api);
    await rbac.deleteClusterRoleBinding({ name: patcherRole });
    await rbac.deleteClusterRole({ name: patcherRole });
  }
  await cluster?.stop();
});

test('the API server type-checks the new policies without warnings', async () => {
  for (const name of POLICIES) assert.deepEqual(await typeWarnings(name), [], name);
});

test('only the controller may write reboot-job, state, reboot-request, check-requested-at (and its other kreboot.dev/ keys)', async () => {
  const name = nodes[1]!;
  const keys = {
    [CONTROLLER.rebootJob]: '{"id":"j1"}',
    [CONTROLLER.state]: '{"phase":"queued"}',
    [CONTROLLER.request]: '{"kind":"api"}',
    [CONTROLLER.checkRequestedAt]: '2026-12-01T00:00:00Z',
    'kreboot.dev/remediated': 'x',
  };
  allowed(await annotate(controller.kc, name, keys), 'controller writes its keys');
  for (const [key, value] of Object.entries(keys)) {
    denied(
      await annotate(patcher.kc, name, { [key]: `${value}-forged` }),
      `third user changes ${key}`,
      new RegExp(`only the kreboot controller .* may write ${key}`),
    );
    denied(await annotate(patcher.kc, name, { [key]: null }), `third user removes ${key}`);
    denied(await annotate(agent.kc, nodes[0]!, { [key]: value }), `agent writes ${key} on its own node`);
  }
  const after = await annotations(name);
  assert.deepEqual(Object.fromEntries(Object.keys(keys).map((k) => [k, after[k]])), keys, 'nothing forged');
  allowed(await annotate(controller.kc, name, Object.fromEntries(Object.keys(keys).map((k) => [k, null]))), 'controller removes its keys');
});

test('a user with nodes/patch can still do everything else to Nodes, but cannot arm a reboot', async () => {
  const name = nodes[0]!;
  allowed(
    await patchNode(patcher.kc, name, {
      spec: { unschedulable: true },
      metadata: { labels: { 'example.com/rack': 'r1' }, annotations: { 'example.com/owner': 'me' } },
    }),
    'cordon, label, annotate',
  );
  allowed(await patchNode(patcher.kc, name, { spec: { unschedulable: null } }), 'uncordon');
  const job = JSON.stringify({
    id: 'forged',
    createdAt: new Date().toISOString(),
    bootIdBefore: (await annotations(name))['kreboot.dev/boot-id'] ?? '',
  });
  denied(await annotate(patcher.kc, name, { [CONTROLLER.rebootJob]: job }), 'arm a reboot job', /only the kreboot controller/);
  // Nor fake the agent's side of it (the boot ID that a job must match, a job status).
  denied(
    await annotate(patcher.kc, name, { 'kreboot.dev/boot-id': 'b', 'kreboot.dev/job-status': '{}' }),
    'agent keys',
    /only the Node's kreboot agent/,
  );
  assert.equal((await annotations(name))[CONTROLLER.rebootJob], undefined);
  // A host hook runs a command as root on the node: only the controller hands one out (ADR 0019).
  const hook = JSON.stringify({ id: 'forged', point: 'pre-drain', notAfter: new Date(Date.now() + 600_000).toISOString() });
  denied(await annotate(patcher.kc, name, { [CONTROLLER.hookJob]: hook }), 'hand out a host hook', /only the kreboot controller/);
  denied(await annotate(patcher.kc, name, { 'kreboot.dev/hook-status': '{}' }), "the agent's hook status", /only the Node's kreboot agent/);
  assert.equal((await annotations(name))[CONTROLLER.hookJob], undefined);
});

test("only a node's own agent may write that node's agent keys", async () => {
  allowed(
    await annotate(agent.kc, nodes[0]!, { 'kreboot.dev/boot-id': 'boot-a', 'kreboot.dev/reboot-required': 'true' }),
    'agent on its own node',
  );
  denied(await annotate(agent.kc, nodes[1]!, { 'kreboot.dev/boot-id': 'boot-b' }), 'agent on another node', /may write only its own Node/);
  denied(
    await annotate(controller.kc, nodes[0]!, { 'kreboot.dev/boot-id': 'boot-c' }),
    'controller',
    /only the Node's kreboot agent|may change only its own Node annotations/,
  );
  denied(await annotate(patcher.kc, nodes[0]!, { 'kreboot.dev/reboot-required': 'false' }), 'third user', /only the Node's kreboot agent/);
  assert.equal((await annotations(nodes[0]!))['kreboot.dev/boot-id'], 'boot-a');
});

test('a cluster admin is held by the policy too, unless break-glass is enabled and used', async () => {
  const name = nodes[1]!;
  denied(
    asAdmin(['annotate', 'node', name, '--overwrite', `${CONTROLLER.rebootJob}=admin`], true),
    'admin (no break-glass in the base)',
    /only the kreboot controller/,
  );
  allowed(asAdmin(['annotate', 'node', name, '--overwrite', 'example.com/admin=yes'], false), 'admin, other annotations');
  // With the break-glass component: members of the group may, others still may not.
  const withBreakGlass = kustomize('test/integration/packaging/rbac-break-glass');
  const applied = applyServerSide(cluster.kubeconfigPath, withBreakGlass);
  assert.equal(applied.code, 0, applied.stderr);
  manifests = withBreakGlass;
  try {
    await waitFor(() => asAdmin(['annotate', 'node', name, '--overwrite', `${CONTROLLER.rebootJob}=break-glass`], true).status === 200, {
      timeoutMs: 60_000,
      what: 'the break-glass exemption to be enforced',
    });
    assert.equal((await annotations(name))[CONTROLLER.rebootJob], 'break-glass');
    allowed(asAdmin(['annotate', 'node', name, `${CONTROLLER.rebootJob}-`], true), 'break-glass removes a stuck job');
    denied(asAdmin(['annotate', 'node', name, '--overwrite', `${CONTROLLER.rebootJob}=not-in-group`], false), 'admin outside the group');
    denied(await annotate(patcher.kc, name, { [CONTROLLER.rebootJob]: 'x' }), 'third user');
  } finally {
    const restored = applyServerSide(cluster.kubeconfigPath, kustomize('deploy/base'));
    assert.equal(restored.code, 0, restored.stderr);
    manifests = kustomize('deploy/base');
  }
  // Back to the base: the exemption is gone again.
  // (A new value each time: rewriting the same value changes nothing, which every policy allows.)
  let round = 0;
  await waitFor(() => asAdmin(['annotate', 'node', name, '--overwrite', `${CONTROLLER.rebootJob}=late-${round++}`], true).status === 403, {
    timeoutMs: 60_000,
    what: 'the base policy again',
  });
});

test('on Nodes the controller may cordon, set its taint, its annotations and kreboot.dev/ labels, and nothing else', async () => {
  const name = nodes[1]!;
  allowed(
    await patchNode(controller.kc, name, {
      spec: { unschedulable: true, taints: [{ key: 'kreboot.dev/waiting', value: 'true', effect: 'PreferNoSchedule' }] },
    }),
    'cordon + own taint',
  );
  allowed(
    await patchNode(controller.kc, name, {
      metadata: {
        labels: { 'kreboot.dev/phase': 'draining' },
        annotations: { 'weave.works/kured-reboot-in-progress': 'now', 'kreboot.dev/state': '{}' },
      },
    }),
    'phase label, kured and kreboot annotations',
  );
  // taints: null also drops node.kubernetes.io/unschedulable, the taint that mirrors the cordon.
  allowed(
    await patchNode(controller.kc, name, {
      spec: { unschedulable: null, taints: null },
      metadata: { labels: { 'kreboot.dev/phase': null }, annotations: { 'weave.works/kured-reboot-in-progress': null } },
    }),
    'undo all of it',
  );
  denied(
    await patchNode(controller.kc, name, { metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } }),
    'another label',
    /only kreboot.dev\/ labels and the configured pre\/post-reboot labels \(none configured\), not node-role/,
  );
  denied(
    await patchNode(controller.kc, nodes[0]!, { metadata: { labels: { 'example.com/ready': null } } }),
    'remove a label',
    /not example.com\/ready/,
  );
  denied(
    await annotate(controller.kc, name, { 'example.com/owner': 'controller' }),
    'a foreign annotation',
    /only its own Node annotations/,
  );
  denied(
    await patchNode(controller.kc, name, { spec: { taints: [{ key: 'kreboot.dev/waiting', effect: 'NoExecute' }] } }),
    'a NoExecute taint',
    /PreferNoSchedule taints/,
  );
  denied(
    await patchNode(controller.kc, name, { spec: { taints: [{ key: 'example.com/dedicated', effect: 'PreferNoSchedule' }] } }),
    'a foreign taint',
    /PreferNoSchedule taints/,
  );
  denied(await patchNode(controller.kc, name, { spec: { providerID: 'kwok://forged' } }), 'another spec field', /in a Node's spec/);
  denied(await patchNode(controller.kc, name, { metadata: { finalizers: ['example.com/hold'] } }), 'a finalizer', /finalizers or owners/);
  const node = await admin.makeApiClient(CoreV1Api).readNode({ name });
  assert.equal(node.spec?.unschedulable, undefined);
  assert.equal(node.metadata?.labels?.['node-role.kubernetes.io/control-plane'], undefined);
});

test('a cordon written on a copy the node has moved on from is a conflict (409) under the policy: the version check comes first', async () => {
  const name = nodes[1]!;
  const core = admin.makeApiClient(CoreV1Api);
  const copy = await core.readNode({ name });
  // The node controller changes the node's taints after kreboot read it (a node coming back, or
  // going NotReady): the cordon's taint list, built on the copy, no longer matches.
  await core.patchNode({ name, body: { spec: { taints: [{ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' }] } } }, MERGE);
  try {
    const writer = createNodeWriter({
      api: createClusterApi(controller.kc),
      ownWrites: { wrote: () => undefined },
      sinks: { log: silentLog, events: { record: () => undefined }, notify: () => undefined, metrics: undefined as never },
      quiet: undefined as never,
      log: silentLog,
    });
    const observed = observeNode(copy);
    const patch = startPatch(copy, observed, new Date(), PATCH_SETTINGS, 1);
    // The copy's taint list would drop the taint the node has gained since, which the policy refuses;
    // but the patch carries the copy's resourceVersion, and the API server answers 409 first, which
    // the runner takes as "decide again on fresher data", not as a failed write.
    const raw = await patchNode(controller.kc, name, patch.body);
    assert.equal(raw.status, 409, raw.message);
    const call = { now: new Date(), conflicted: false };
    assert.equal(await writer.write(call, copy, observed, patch), false);
    assert.equal(call.conflicted, true);
    const after = await core.readNode({ name });
    assert.equal(after.spec?.unschedulable, undefined, 'nothing written');
  } finally {
    await core.patchNode({ name, body: { spec: { taints: null } } }, MERGE);
  }
});

test('on the agent DaemonSet the controller may write the lock and kreboot.dev/ annotations, never the pod template', async () => {
  allowed(
    await patchDaemonSet(controller.kc, {
      metadata: {
        annotations: {
          'weave.works/kured-node-lock': '{"nodeID":"","maxOwners":1,"locks":[]}',
          'kreboot.dev/paused': '{"by":"test"}',
          'kreboot.dev/resumed-at': 'now',
        },
      },
    }),
    'lock, pause and resume annotations',
  );
  allowed(await patchDaemonSet(controller.kc, { metadata: { annotations: { 'kreboot.dev/paused': null } } }), 'remove the pause');
  denied(
    await patchDaemonSet(controller.kc, {
      spec: { template: { spec: { containers: [{ name: 'agent', image: 'evil.example/root:latest' }] } } },
    }),
    'the pod template',
    /may not change the agent DaemonSet's spec/,
  );
  denied(await patchDaemonSet(controller.kc, { spec: { updateStrategy: { type: 'OnDelete' } } }), 'another spec field', /spec/);
  denied(
    await patchDaemonSet(controller.kc, { metadata: { labels: { 'example.com/x': 'y' } } }),
    'a label',
    /labels, finalizers or owners/,
  );
  denied(
    await patchDaemonSet(controller.kc, { metadata: { annotations: { 'example.com/x': 'y' } } }),
    'a foreign annotation',
    /only the lock annotation \(weave.works\/kured-node-lock\)/,
  );
  const ds = await admin.makeApiClient(AppsV1Api).readNamespacedDaemonSet({ namespace: 'kreboot', name: 'kreboot-agent' });
  assert.notEqual(ds.spec?.template.spec?.containers[0]?.image, 'evil.example/root:latest');
  // An admin may still change the DaemonSet (an upgrade): the policy binds the controller only.
  allowed(
    await attempt(() =>
      admin
        .makeApiClient(AppsV1Api)
        .patchNamespacedDaemonSet(
          { namespace: 'kreboot', name: 'kreboot-agent', body: { metadata: { labels: { 'example.com/x': 'y' } } } },
          MERGE,
        ),
    ),
    'admin labels the DaemonSet',
  );
});

test("the Helm chart's controller policy takes the taint, the pre/post-reboot labels, the remediation marks and the lock annotation from its values", async () => {
  const namespace = 'kreboot-helm-values';
  kubectlOk(cluster.kubeconfigPath, ['create', 'namespace', namespace]);
  const values = join(tmp, 'values.json');
  writeFileSync(
    values,
    JSON.stringify({
      configuration: {
        preRebootNodeLabels: ['example.com/rebooting=true'],
        postRebootNodeLabels: ['example.com/rebooted=yes'],
        preferNoScheduleTaint: 'example.com/kreboot-waiting',
        lockAnnotation: 'example.com/lock',
      },
      controller: {
        stuckNodeRemediationLabel: ['example.com/repair=needed'],
        stuckNodeRemediationAnnotation: ['example.com/remediate=kreboot'],
      },
      admissionPolicy: { breakGlassGroup: 'ops:break-glass' },
    }),
  );
  const chart = helmTemplate('hv', namespace, values);
  try {
    const applied = applyServerSide(cluster.kubeconfigPath, chart);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(chart, /'ops:break-glass' in request\.userInfo\.groups/, 'the break-glass group is rendered');
    for (const name of ['hv-kreboot-node-keys', 'hv-kreboot-controller-nodes', 'hv-kreboot-controller-daemonset'])
      assert.deepEqual(await typeWarnings(name), [], name);
    const hv = await serviceAccountIdentity(admin, namespace, 'hv-kreboot-controller', join(tmp, 'hv.kubeconfig'));
    const name = nodes[0]!;
    // A new value each try: a patch that changes nothing is answered without admission, so a first
    // try that landed before the policy was loaded would otherwise succeed for ever.
    let labelTry = 0;
    await waitFor(
      async () => (await patchNode(hv.kc, name, { metadata: { labels: { 'example.com/other': `x${labelTry++}` } } })).status === 403,
      { timeoutMs: 60_000, what: "the chart's policy to be enforced" },
    );
    allowed(
      await patchNode(hv.kc, name, { metadata: { labels: { 'example.com/rebooting': 'true', 'example.com/rebooted': 'yes' } } }),
      'configured labels',
    );
    allowed(
      await patchNode(hv.kc, name, {
        spec: { taints: [{ key: 'example.com/kreboot-waiting', value: 'true', effect: 'PreferNoSchedule' }] },
      }),
      'configured taint',
    );
    // A node that did not come back is handed to a node-repair controller by these marks (ADR 0020).
    allowed(
      await patchNode(hv.kc, name, {
        metadata: { labels: { 'example.com/repair': 'needed' }, annotations: { 'example.com/remediate': 'kreboot' } },
      }),
      'remediation marks',
    );
    denied(
      await patchNode(hv.kc, name, { metadata: { annotations: { 'example.com/other-annotation': 'x' } } }),
      'an annotation that is no remediation mark',
      /example.com\/other-annotation/,
    );
    denied(
      await patchNode(hv.kc, name, { spec: { taints: [{ key: 'example.com/kreboot-waiting', value: 'true', effect: 'NoSchedule' }] } }),
      'configured taint, other effect',
      /example.com\/kreboot-waiting/,
    );
    allowed(
      await patchNode(hv.kc, name, {
        spec: { taints: null },
        metadata: {
          labels: { 'example.com/rebooting': null, 'example.com/rebooted': null, 'example.com/repair': null },
          annotations: { 'example.com/remediate': null },
        },
      }),
      'undo',
    );
    const apps = hv.kc.makeApiClient(AppsV1Api);
    const ds = (body: object) => attempt(() => apps.patchNamespacedDaemonSet({ namespace, name: 'hv-kreboot-agent', body }, MERGE));
    // Each policy is loaded on its own: wait for the DaemonSet one too (new values, so each try changes something).
    let round = 0;
    await waitFor(
      async () => (await ds({ metadata: { annotations: { 'weave.works/kured-node-lock': `{"try":${round++}}` } } })).status === 403,
      { timeoutMs: 60_000, what: "the chart's DaemonSet policy to be enforced" },
    );
    denied(
      await ds({ metadata: { annotations: { 'weave.works/kured-node-lock': '{"try":"last"}' } } }),
      'the default lock annotation',
      /only the lock annotation \(example.com\/lock\)/,
    );
    allowed(await ds({ metadata: { annotations: { 'example.com/lock': '{}' } } }), 'the configured lock annotation');
  } finally {
    deleteManifests(cluster.kubeconfigPath, chart);
    kubectlOk(cluster.kubeconfigPath, ['delete', 'namespace', namespace, '--wait=false']);
  }
});
