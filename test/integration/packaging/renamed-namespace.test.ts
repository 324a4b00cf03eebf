// The admission fences fail closed when the kustomize namespace is renamed (issue 26 item 15):
// deploy/base installed into another namespace by a kustomize overlay (`namespace:`), applied to the
// real API server. The controller's ServiceAccount there is still confined on Nodes and on the agent
// DaemonSet (before, the policies matched only system:serviceaccount:kreboot:kreboot-controller, so
// in another namespace they matched nothing and the controller could relabel any Node or rewrite the
// privileged DaemonSet), and kreboot's Node keys stay closed to every other identity: the node-keys
// policy names the controller exactly, so a renamed one is refused too — loudly, naming the identity
// to put in the policy (docs/deploy.md) — never anyone else allowed.

import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { startCluster } from '../../harness/cluster.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { CONTROLLER } from '../../../src/store/keys.ts';
import { attempt, createPinnedPod, serviceAccountIdentity, type Identity, type Outcome } from '../../harness/packaging/manifest-tokens.ts';
import { applyServerSide, deleteManifests, kubectl, kustomize, run } from '../../harness/packaging/cli-tools.ts';

const NAMESPACE = 'kreboot-renamed';
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const tmp = mkdtempSync(join(tmpdir(), 'kreboot-renamed-'));
const manifests = kustomize('test/integration/packaging/renamed-namespace');
let cluster: Awaited<ReturnType<typeof startCluster>>;
let nodes: string[];
let controller: Identity;
let agent: Identity;

const patchNode = (kc: KubeConfig, name: string, body: object) =>
  attempt(() => kc.makeApiClient(CoreV1Api).patchNode({ name, body }, MERGE));
const patchDaemonSet = (kc: KubeConfig, body: object) =>
  attempt(() => kc.makeApiClient(AppsV1Api).patchNamespacedDaemonSet({ namespace: NAMESPACE, name: 'kreboot-agent', body }, MERGE));

/** kubectl as a cluster admin (system:masters): not the controller, so held by kreboot-node-keys. */
function asAdmin(args: string[]): Outcome {
  const result = run(kubectl(), ['--kubeconfig', cluster.kubeconfigPath, '--as=test-admin', '--as-group=system:masters', ...args]);
  return { status: result.code === 0 ? 200 : /forbidden|denied request/i.test(result.stderr) ? 403 : 500, message: result.stderr };
}

function denied(outcome: Outcome, what: string, message?: RegExp): void {
  assert.equal(outcome.status, 403, `${what}: expected 403, got ${outcome.status} ${outcome.message}`);
  if (message) assert.match(outcome.message, message, what);
}

before(async () => {
  cluster = await startCluster();
  assert.match(manifests, /namespace: kreboot-renamed/);
  assert.doesNotMatch(manifests, /namespace: kreboot\n/, 'the overlay renamed every namespaced object');
  const result = applyServerSide(cluster.kubeconfigPath, manifests);
  assert.equal(result.code, 0, result.stderr);
  nodes = await cluster.createNodes(2, { prefix: 'renamed-' });
  const admin = cluster.kc;
  const controllerPod = await createPinnedPod(admin, NAMESPACE, 'controller-renamed', 'kreboot-controller', nodes[1]!);
  controller = await serviceAccountIdentity(admin, NAMESPACE, 'kreboot-controller', join(tmp, 'controller.kubeconfig'), controllerPod);
  const agentPod = await createPinnedPod(admin, NAMESPACE, 'agent-renamed', 'kreboot-agent', nodes[0]!);
  agent = await serviceAccountIdentity(admin, NAMESPACE, 'kreboot-agent', join(tmp, 'agent.kubeconfig'), agentPod);
  // The policies are loaded once the admin is refused a reboot job (a new value each try: a patch
  // that changes nothing skips admission). On nodes[1]: a probe that landed before the policy was
  // loaded stays there (nobody here may remove it); the tests look for forged jobs on nodes[0].
  let probe = 0;
  await waitFor(() => asAdmin(['annotate', 'node', nodes[1]!, '--overwrite', `${CONTROLLER.rebootJob}=probe-${probe++}`]).status === 403, {
    timeoutMs: 60_000,
    what: 'kreboot-node-keys to be enforced',
  });
});

afterEach((t) => printOnFailure(t, () => cluster.dumpLogs()));

after(async () => {
  if (cluster) deleteManifests(cluster.kubeconfigPath, manifests);
  await cluster?.stop();
});

test('in a renamed namespace the controller is still confined on Nodes: no foreign label, annotation or spec field', async () => {
  // Each policy is loaded on its own: a label the policy refuses, a new value each try, until it does
  // (before the fix this never happened: the policy did not match the renamed controller).
  let round = 0;
  await waitFor(
    async () =>
      (await patchNode(controller.kc, nodes[1]!, { metadata: { labels: { 'example.com/probe': `x${round++}` } } })).status === 403,
    { timeoutMs: 30_000, what: 'kreboot-controller-nodes to hold the renamed controller' },
  );
  denied(
    await patchNode(controller.kc, nodes[1]!, { metadata: { labels: { 'node-role.kubernetes.io/control-plane': '' } } }),
    'another label',
    /only kreboot.dev\/ labels/,
  );
  denied(await patchNode(controller.kc, nodes[1]!, { spec: { providerID: 'kwok://forged' } }), 'another spec field', /in a Node's spec/);
  const node = await cluster.kc.makeApiClient(CoreV1Api).readNode({ name: nodes[1]! });
  assert.equal(node.metadata?.labels?.['node-role.kubernetes.io/control-plane'], undefined);
});

test('in a renamed namespace the controller still cannot change the agent DaemonSet (privileged pods on every node)', async () => {
  let round = 0;
  await waitFor(async () => (await patchDaemonSet(controller.kc, { metadata: { labels: { probe: `x${round++}` } } })).status === 403, {
    timeoutMs: 30_000,
    what: 'kreboot-controller-daemonset to hold the renamed controller',
  });
  denied(
    await patchDaemonSet(controller.kc, {
      spec: { template: { spec: { containers: [{ name: 'agent', image: 'evil.example/root:latest' }] } } },
    }),
    'the pod template',
    /may not change the agent DaemonSet's spec/,
  );
});

test("in a renamed namespace kreboot's Node keys stay closed: nobody else may arm a reboot, and the renamed controller is told what to set", async () => {
  const job = JSON.stringify({ id: 'forged', createdAt: new Date().toISOString(), notAfter: new Date(Date.now() + 60_000).toISOString() });
  denied(
    asAdmin(['annotate', 'node', nodes[0]!, '--overwrite', `${CONTROLLER.rebootJob}=${job}`]),
    'a cluster admin',
    /only the kreboot controller/,
  );
  denied(await patchNode(agent.kc, nodes[0]!, { metadata: { annotations: { [CONTROLLER.rebootJob]: job } } }), 'the agent on its own node');
  denied(
    await patchNode(agent.kc, nodes[1]!, { metadata: { annotations: { 'kreboot.dev/boot-id': 'forged' } } }),
    'the agent on another node',
    /may write only its own Node|only the Node's kreboot agent/,
  );
  // Fails closed, loudly: the message names the identity the policy expects.
  denied(
    await patchNode(controller.kc, nodes[0]!, { metadata: { annotations: { [CONTROLLER.rebootJob]: job } } }),
    'the renamed controller',
    /only the kreboot controller \(system:serviceaccount:kreboot:kreboot-controller\)/,
  );
  const node = await cluster.kc.makeApiClient(CoreV1Api).readNode({ name: nodes[0]! });
  assert.equal(node.metadata?.annotations?.[CONTROLLER.rebootJob], undefined);
});
