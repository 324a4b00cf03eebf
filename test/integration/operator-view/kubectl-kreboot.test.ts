// `kubectl kreboot` with nothing but a kubeconfig (issue 23, item 11; docs/adr/0017): the real
// kubectl binary runs the plugin from the PATH, which reaches the controller through the API
// server's service proxy; the controller asks the API server who the caller is (TokenReview) and
// whether RBAC allows the action (SubjectAccessReview), and records the user's name.
//
// The control plane is this file's own: its API server has an egress selector whose CONNECT proxy
// is the "pod network" (a connection to a controller pod's address goes to the controller process
// on 127.0.0.1, since the API server's proxy refuses loopback endpoints and endpoints that are not
// pods), and a static token file for named users. kreboot's kustomize base is applied as shipped
// (the Service and its pods, the controller's RBAC, the kreboot-operator ClusterRole), and the
// controller runs with its ServiceAccount's token, so its RBAC is what a cluster would give it.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AppsV1Api, type V1Pod } from '@kubernetes/client-node';
import { binary } from '../../harness/binaries.ts';
import { startPrivateCluster, type Cluster } from '../../harness/cluster.ts';
import { writeKubeconfig } from '../../harness/kubeconfig.ts';
import { startKubeletProxy, writeEgressSelectorConfig, type KubeletProxy } from '../../harness/real-nodes/kubelet-proxy.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { createClientCert, type Pki } from '../../harness/pki.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { PAUSED_ANNOTATION, RESUMED_ANNOTATION } from '../../../src/store/keys.ts';
import { ADMIN_TOKEN, startControllerProcess, type ControllerProcess } from '../../harness/controller/controller-process.ts';
import { serviceAccountIdentity } from '../../harness/packaging/manifest-tokens.ts';
import { applyServerSide, kustomize } from '../../harness/packaging/cli-tools.ts';

const exec = promisify(execFile);
const PLUGIN = resolve(import.meta.dirname, '../../../src/kubectl-kreboot.ts');
const CLI = resolve(import.meta.dirname, '../../../src/cli.ts');
const NAMESPACE = 'kreboot';
const tmp = mkdtempSync(join(tmpdir(), 'kreboot-plugin-'));
const tokens = { alice: 'alice-0123456789abcdef', bob: 'bob-0123456789abcdef', dave: 'dave-0123456789abcdef' };

let cluster: Cluster;
let podNetwork: KubeletProxy;
let controller: ControllerProcess;
let nodes: string[];
const kubeconfigs: Record<string, string> = {};
let pluginPath: string;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** `kubectl kreboot ARGS` as `user`: the real kubectl, the plugin found on the PATH, KUBECONFIG only. */
async function kubectlKreboot(user: string, args: string[]): Promise<Run> {
  try {
    const { stdout, stderr } = await exec(binary('kubectl'), ['kreboot', ...args], {
      env: { PATH: pluginPath, KUBECONFIG: kubeconfigs[user]!, HOME: tmp },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as Run;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

async function rollout(): Promise<Record<string, string>> {
  const ds = await cluster.kc.makeApiClient(AppsV1Api).readNamespacedDaemonSet({ namespace: NAMESPACE, name: 'kreboot-agent' });
  return ds.metadata?.annotations ?? {};
}

before(async () => {
  podNetwork = await startKubeletProxy(join(tmp, 'pod-network.sock'), '10.0.2.15');
  const egress = writeEgressSelectorConfig(join(tmp, 'egress.json'), podNetwork.socketPath);
  const tokenFile = join(tmp, 'tokens.csv');
  writeFileSync(
    tokenFile,
    Object.entries(tokens)
      .map(([user, token]) => `${token},${user},uid-${user}`)
      .join('\n') + '\n',
  );
  cluster = await startPrivateCluster({
    extraApiServerArgs: [`--egress-selector-config-file=${egress}`, `--token-auth-file=${tokenFile}`],
  });

  const applied = applyServerSide(cluster.kubeconfigPath, kustomize('deploy/base'));
  assert.equal(applied.code, 0, applied.stderr);
  nodes = await cluster.createNodes(2, { labels: { 'kreboot-test': 'plugin' } });
  // The shipped Deployment's pods run on the KWOK nodes and are the Service's endpoints.
  const pods = await waitFor(
    async () => {
      const list = await cluster.core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app.kubernetes.io/component=controller' });
      const running = list.items.filter(
        (pod) => pod.status?.podIP && pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      );
      return running.length === 2 ? running : undefined;
    },
    { timeoutMs: 60_000, what: "the controller Deployment's pods to run" },
  );
  const identity = await serviceAccountIdentity(
    cluster.kc,
    NAMESPACE,
    'kreboot-controller',
    join(tmp, 'controller.kubeconfig'),
    pods[0] as V1Pod,
  );
  controller = await startControllerProcess({
    kubeconfigPath: identity.kubeconfigPath,
    namespace: NAMESPACE,
    dsName: 'kreboot-agent',
    nodeSelector: 'kreboot-test=plugin',
  });
  const port = Number(new URL(controller.url).port);
  for (const pod of pods) podNetwork.routeAddress(pod.status!.podIP!, 8080, port);

  for (const [user, token] of Object.entries(tokens)) {
    kubeconfigs[user] = writeKubeconfig(join(tmp, `${user}.kubeconfig`), cluster.server, cluster.info.caCert, user, { token });
  }
  // carol signs in with a client certificate, bound like alice.
  const pkiDir = join(cluster.info.dir, 'pki');
  const carolCert = createClientCert(tmp, { caCert: join(pkiDir, 'ca.crt'), caKey: join(pkiDir, 'ca.key') } as Pki, 'carol', {
    cn: 'carol',
  });
  kubeconfigs.carol = writeKubeconfig(join(tmp, 'carol.kubeconfig'), cluster.server, cluster.info.caCert, 'carol', { certPair: carolCert });
  // A ServiceAccount (automation) with the operator role, through a real TokenRequest token.
  kubeconfigs.robot = await cluster.serviceAccountKubeconfig(NAMESPACE, 'robot');

  const operator = { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kreboot-operator' };
  await cluster.rbac.createClusterRoleBinding({
    body: {
      metadata: { name: 'kreboot-operators' },
      roleRef: operator,
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'carol' },
        { kind: 'ServiceAccount', name: 'robot', namespace: NAMESPACE },
      ],
    },
  });
  // bob may reach the controller (and read its status) but holds no kreboot.dev permission; dave has no binding at all.
  await cluster.rbac.createNamespacedRole({
    namespace: NAMESPACE,
    body: {
      metadata: { name: 'kreboot-viewer' },
      rules: [
        { apiGroups: [''], resources: ['services/proxy'], resourceNames: ['http:kreboot-controller:http'], verbs: ['get', 'create'] },
      ],
    },
  });
  await cluster.rbac.createNamespacedRoleBinding({
    namespace: NAMESPACE,
    body: {
      metadata: { name: 'kreboot-viewer' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'kreboot-viewer' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'bob' }],
    },
  });

  // The plugin on the PATH as an npm install puts it: an executable named kubectl-kreboot.
  const bin = join(tmp, 'bin');
  mkdirSync(bin);
  symlinkSync(PLUGIN, join(bin, 'kubectl-kreboot'));
  pluginPath = [bin, dirname(process.execPath), '/usr/bin', '/bin'].join(delimiter);
  await waitFor(async () => (await kubectlKreboot('alice', ['status'])).code === 0, {
    timeoutMs: 30_000,
    what: 'the controller to answer through the service proxy',
  });
});

afterEach((t) =>
  printOnFailure(t, async () => `${await cluster.dumpLogs({ print: false })}\n--- controller ---\n${controller?.proc.tail(60)}`),
);

after(async () => {
  await controller?.stop();
  await cluster?.stop();
  await podNetwork?.close();
});

describe('kubectl kreboot: operator actions as the user, from a kubeconfig alone', () => {
  it('refuses a user without the RBAC, at the API server or at the controller, and changes nothing', async () => {
    const dave = await kubectlKreboot('dave', ['pause', '--reason=not allowed']);
    assert.equal(dave.code, 1, dave.stderr);
    assert.match(dave.stderr, /User "dave" cannot (create|get) resource "services\/proxy"/);

    const bob = await kubectlKreboot('bob', ['pause', '--reason=not allowed']);
    assert.equal(bob.code, 1, bob.stderr);
    assert.match(bob.stderr, /bob may not create kreboot\.dev\/rollouts\/pause in namespace kreboot: no RBAC rule grants it/);
    const bobReboot = await kubectlKreboot('bob', ['reboot', nodes[0]!]);
    assert.equal(bobReboot.code, 1);
    assert.match(bobReboot.stderr, new RegExp(`bob may not create kreboot\\.dev/nodes/reboot ${nodes[0]}`));

    // A client certificate is not passed on by the API server: a clear refusal, naming what works.
    const carol = await kubectlKreboot('carol', ['pause']);
    assert.equal(carol.code, 1);
    assert.match(carol.stderr, /client certificate.*--token-file.*kubectl exec/);

    assert.equal((await rollout())[PAUSED_ANNOTATION], undefined, 'not paused');
    assert.equal((await controller.status()).paused, null);
    const bobStatus = await kubectlKreboot('bob', ['status']);
    assert.equal(bobStatus.code, 0, `bob may read the status: ${bobStatus.stderr}`);
  });

  it('pauses as alice, and the status and the record name alice; a ServiceAccount resumes', async () => {
    const paused = await kubectlKreboot('alice', ['pause', '--reason=change freeze']);
    assert.equal(paused.code, 0, paused.stderr);
    assert.deepEqual(JSON.parse(paused.stdout), { paused: true });
    const record = JSON.parse((await rollout())[PAUSED_ANNOTATION]!) as { by: string; reason: string };
    assert.equal(record.by, 'alice');
    assert.equal(record.reason, 'change freeze');
    const status = await kubectlKreboot('alice', ['status']);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /PAUSED: change freeze \(by alice, /);
    assert.match(status.stdout, /to continue: kubectl kreboot resume/);
    assert.equal((await controller.status()).paused?.by, 'alice');

    const bob = await kubectlKreboot('bob', ['resume']);
    assert.equal(bob.code, 1);
    assert.match(bob.stderr, /bob may not create kreboot\.dev\/rollouts\/resume/);
    assert.equal((await controller.status()).paused?.by, 'alice', 'still paused');

    const resumed = await kubectlKreboot('robot', ['resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal((await controller.status()).paused, null);
    const resume = JSON.parse((await rollout())[RESUMED_ANNOTATION]!) as { by: string };
    assert.equal(resume.by, `system:serviceaccount:${NAMESPACE}:robot`);
  });

  it('requests a reboot as alice, recorded by alice; an unknown node is refused', async () => {
    const unknown = await kubectlKreboot('alice', ['reboot', 'no-such-node']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown node: no-such-node/);
    const accepted = await kubectlKreboot('alice', ['reboot', nodes[1]!, '--reason=kernel CVE']);
    assert.equal(accepted.code, 0, accepted.stderr);
    const node = await cluster.core.readNode({ name: nodes[1]! });
    const request = JSON.parse(node.metadata?.annotations?.['kreboot.dev/reboot-request'] ?? '{}') as { by?: string; kind?: string };
    assert.equal(request.kind, 'api');
    assert.equal(request.by, 'alice');
  });

  it('follows the status live through the API server (status --watch)', async () => {
    const watch = spawn(binary('kubectl'), ['kreboot', 'status', '--watch'], {
      env: { PATH: pluginPath, KUBECONFIG: kubeconfigs.bob!, HOME: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    watch.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    watch.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    watch.on('exit', (code, signal) => (output += `(exited: ${code ?? signal})`));
    try {
      await waitFor(() => /rollout active/.test(output), { timeoutMs: 20_000, what: 'the first status' });
      const paused = await kubectlKreboot('alice', ['pause', '--reason=watch me']);
      assert.equal(paused.code, 0, paused.stderr);
      await waitFor(() => /rollout paused: watch me/.test(output), { timeoutMs: 20_000, what: 'the pause' });
      assert.equal((await kubectlKreboot('alice', ['resume'])).code, 0);
      await waitFor(() => /rollout paused: watch me[\s\S]*rollout active/.test(output), {
        timeoutMs: 20_000,
        what: `the resume in: ${output}`,
      });
    } catch (error) {
      throw new Error(`${(error as Error).message}; kubectl kreboot status --watch printed:\n${output}`, { cause: error });
    } finally {
      watch.kill('SIGINT');
    }
  });

  it('keeps the token path: the admin token, and a Kubernetes token in --token-file, straight to the controller', async () => {
    const adminToken = join(tmp, 'admin-token');
    writeFileSync(adminToken, ADMIN_TOKEN);
    const run = async (args: string[]): Promise<Run> => {
      try {
        const { stdout, stderr } = await exec(process.execPath, [CLI, ...args]);
        return { code: 0, stdout, stderr };
      } catch (error) {
        return error as Run;
      }
    };
    const paused = await run(['pause', `--server=${controller.url}`, `--token-file=${adminToken}`]);
    assert.equal(paused.code, 0, paused.stderr);
    assert.equal((await controller.status()).paused?.by, 'admin-token');
    const aliceToken = join(tmp, 'alice-token');
    writeFileSync(aliceToken, tokens.alice);
    const resumed = await run(['resume', `--server=${controller.url}`, `--token-file=${aliceToken}`]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal(JSON.parse((await rollout())[RESUMED_ANNOTATION]!).by, 'alice');
    const daveToken = join(tmp, 'dave-token');
    writeFileSync(daveToken, tokens.dave);
    const refused = await run(['pause', `--server=${controller.url}`, `--token-file=${daveToken}`]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /dave may not create kreboot\.dev\/rollouts\/pause/);
  });
});
