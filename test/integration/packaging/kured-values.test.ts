// A kured user switches by changing the chart: kured's own default values file (chart 6.1.0, kured-6.1.0-values.yaml; its CI values too)
// plus what a typical kured user sets (notify URL, maintenance window, blocking pods, Prometheus
// URL, the ServiceMonitor) and the cut-over value of docs/migrating-from-kured.md (share kured's
// lock DaemonSet) are installed with `helm install` on a real API server. Then the controller and
// the agent run with exactly the arguments the chart rendered and the identities it created, and a
// node whose sentinel was set before the switch is rebooted end to end: first held by kured's lock,
// then by a blocking pod, then drained, rebooted (simulated host, test/harness/scenario/simulated-host.ts), verified
// and uncordoned, with kured's chat messages. Only what cannot hold on loopback is swapped: the
// mounted credential files (written from the chart's own Secret), ports, the Prometheus and chat
// URLs, and the agent's host paths.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { startMonitoring, type Monitoring } from '../../harness/monitoring.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { freePort } from '../../harness/ports.ts';
import { startProcess, type ManagedProcess } from '../../harness/process.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { createHost, type SimulatedHost } from '../../harness/scenario/simulated-host.ts';
import { ROUTES, serviceUrls, startServiceSink, textsBy, type ServiceSink } from '../../harness/notify/service-sink.ts';
import {
  CHART,
  findObject,
  flagValues,
  helmInstall,
  helmUninstall,
  releaseObjects,
  withFlags,
} from '../../harness/packaging/chart-install.ts';
import { createPinnedPod, serviceAccountIdentity } from '../../harness/packaging/manifest-tokens.ts';
import { helm, kubectlOk, ROOT, run } from '../../harness/packaging/cli-tools.ts';

const RELEASE = 'kured'; // the release name a kured user already has
const NAMESPACE = 'kreboot-from-kured';
const KURED = { namespace: 'kube-system', name: 'kured', annotation: 'weave.works/kured-node-lock' };
const BLOCKING_LABEL = { 'app.kubernetes.io/name': 'critical-batch' };
const dir = mkdtempSync(join(tmpdir(), 'kreboot-kured-values-'));

/** A window open now, written as a kured user does: [now - 1 h, now + 2 h) in Europe/Berlin. */
function openWindow(): { startTime: string; endTime: string } {
  const hour = Number(
    new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', hour: '2-digit', hourCycle: 'h23' }).format(new Date()),
  );
  return { startTime: `${(hour + 23) % 24}:00`, endTime: `${(hour + 2) % 24}:00` };
}

// What a typical kured user adds to the defaults (kured's own value names and formats).
const USER_VALUES = {
  configuration: {
    notifyUrl: 'mattermost://kured@chat.example.com/bywsw8zt5jgpte3nm65qjiru6h/ops',
    ...openWindow(),
    timeZone: 'Europe/Berlin',
    rebootDays: ['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su'],
    blockingPodSelector: ['app.kubernetes.io/name=critical-batch'],
    prometheusUrl: 'http://prometheus-operated.monitoring.svc:9090',
  },
  metrics: { create: true, labels: { release: 'kube-prometheus-stack' } },
};
// The cut-over step of docs/migrating-from-kured.md: one lock for kured and kreboot.
const SWITCH_VALUES = { controller: { lockDaemonSet: { namespace: KURED.namespace, name: KURED.name } } };

let cluster: Cluster;
let kubeconfig: string;
let installed = false;
let host: SimulatedHost | undefined;
let controller: ManagedProcess | undefined;
let monitoring: Monitoring | undefined;
let chat: ServiceSink | undefined;

before(async () => {
  cluster = await startCluster();
  kubeconfig = cluster.kubeconfigPath;
  kubectlOk(kubeconfig, ['apply', '--server-side', '-f', join(ROOT, 'test/integration/packaging/operator-crds.yaml')]);
  kubectlOk(kubeconfig, ['wait', '--for=condition=Established', '--timeout=60s', 'crd/servicemonitors.monitoring.coreos.com']);
  kubectlOk(
    kubeconfig,
    ['apply', '--server-side', '-f', '-'],
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: NAMESPACE, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
    }),
  );
  // kured's DaemonSet as the switch finds it (its pods are not what is tested; its lock is).
  await cluster.createDaemonSet(KURED.namespace, KURED.name, {
    labels: { name: 'kured' },
    nodeSelector: { 'kreboot.dev/no-such-node': 'true' },
    wait: false,
  });
});

after(async () => {
  await controller?.stop();
  await host?.stop();
  await monitoring?.stop();
  await chat?.sink.close();
  if (kubeconfig) {
    if (installed) helmUninstall(kubeconfig, RELEASE, NAMESPACE);
    kubectlOk(kubeconfig, ['delete', '--ignore-not-found', '--wait=true', '--timeout=180s', 'namespace', NAMESPACE]);
    kubectlOk(kubeconfig, ['-n', KURED.namespace, 'delete', '--ignore-not-found', 'daemonset', KURED.name]);
    kubectlOk(kubeconfig, ['delete', '--ignore-not-found', '-f', join(ROOT, 'test/integration/packaging/operator-crds.yaml')]);
  }
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('helm install refuses a kured values file with a misspelled key, names it, and installs nothing', () => {
  const typo = join(dir, 'typo.yaml');
  writeFileSync(typo, JSON.stringify({ configuration: { ...USER_VALUES.configuration, rebootDay: ['sa'] } }));
  const result = helmInstall(kubeconfig, 'typo', NAMESPACE, [join(ROOT, 'test/integration/packaging/kured-values.yaml'), typo]);
  assert.notEqual(result.code, 0, result.stdout);
  assert.match(result.stderr, /rebootDay/);
  assert.equal(
    kubectlOk(kubeconfig, [
      '-n',
      NAMESPACE,
      'get',
      'all,secrets,serviceaccounts',
      '-l',
      'app.kubernetes.io/instance=typo',
      '-o',
      'name',
    ]).trim(),
    '',
  );
  assert.equal(
    kubectlOk(kubeconfig, ['-n', NAMESPACE, 'get', 'secrets', '-l', 'owner=helm', '-o', 'name']).trim(),
    '',
    'helm recorded a release',
  );
});

test("kured's CI values (chart 6.1.0: a NodePort metrics Service, weaveworks/kured:latest) install with helm install", () => {
  const files = ['kured-6.1.0-values.yaml', 'kured-6.1.0-ci-values.yaml'].map((name) => join(ROOT, 'test/integration/packaging', name));
  const namespace = `${NAMESPACE}-ci`;
  const result = run(helm(), [
    'install',
    'kured-ci',
    CHART,
    '--kubeconfig',
    kubeconfig,
    '--namespace',
    namespace,
    '--create-namespace',
    ...files.flatMap((file) => ['--values', file]),
  ]);
  try {
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.match(result.stdout, /STATUS: deployed/);
    const service = JSON.parse(kubectlOk(kubeconfig, ['-n', namespace, 'get', 'service', 'kured-prometheus-endpoint', '-o', 'json']));
    assert.equal(service.spec.type, 'NodePort');
    assert.equal(service.spec.ports[0].nodePort, 30000);
    const objects = releaseObjects(kubeconfig, 'kured-ci', namespace);
    assert.match(findObject(objects, 'DaemonSet').spec.template.spec.containers[0].image, /^ghcr\.io\/kreboot\/kreboot:/);
    assert.equal(findObject(objects, 'Deployment').spec.template.spec.containers[0].image, 'ghcr.io/kreboot/kreboot:0.1.0');
  } finally {
    helmUninstall(kubeconfig, 'kured-ci', namespace);
  }
});

test("kured's default values file plus a typical kured user's values install with helm install", () => {
  const files = [join(ROOT, 'test/integration/packaging/kured-6.1.0-values.yaml'), join(dir, 'user.yaml'), join(dir, 'switch.yaml')];
  writeFileSync(files[1]!, JSON.stringify(USER_VALUES));
  writeFileSync(files[2]!, JSON.stringify(SWITCH_VALUES));
  const result = helmInstall(kubeconfig, RELEASE, NAMESPACE, files);
  assert.equal(result.code, 0, result.stderr + result.stdout);
  installed = true;
  assert.match(result.stdout, /STATUS: deployed/);
  // kured's image.repository cannot run kreboot: the chart says so and uses its own.
  assert.match(result.stdout, /image\.repository was kured's \(ghcr\.io\/kubereboot\/kured\)/);
  assert.match(result.stdout, /Reboots are requested by: node/);

  const objects = releaseObjects(kubeconfig, RELEASE, NAMESPACE);
  // metrics.create alone gives the agents' Service and a ServiceMonitor that takes their node label
  // from the pod's node (not from the agent, issue 26 item 14).
  const agentService = findObject(objects, 'Service', 'kured-kreboot-agent-metrics');
  assert.equal(agentService.spec.clusterIP, 'None');
  const monitor = findObject(objects, 'ServiceMonitor', 'kured-kreboot-agent');
  assert.equal(monitor.spec.endpoints[0].honorLabels, false);
  assert.deepEqual(monitor.spec.endpoints[0].relabelings, [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }]);
  assert.equal(monitor.metadata.labels.release, 'kube-prometheus-stack');
  // kured's containerSecurityContext (privileged, no user) still runs the agent as root.
  const agent = findObject(objects, 'DaemonSet').spec.template.spec.containers[0];
  assert.match(agent.image, /^ghcr\.io\/kreboot\/kreboot:/);
  assert.deepEqual({ ...agent.securityContext }, { privileged: true, readOnlyRootFilesystem: true, runAsUser: 0 });
  const args: string[] = findObject(objects, 'Deployment').spec.template.spec.containers[0].args;
  assert.deepEqual(flagValues(args, 'trigger'), ['node']);
  assert.deepEqual(flagValues(args, 'ds-namespace'), [KURED.namespace]);
  assert.deepEqual(flagValues(args, 'ds-name'), [KURED.name]);
  assert.deepEqual(flagValues(args, 'blocking-pod-selector'), USER_VALUES.configuration.blockingPodSelector);
  assert.deepEqual(flagValues(args, 'notify-url'), [USER_VALUES.configuration.notifyUrl]);
  // The API server holds what helm installed, including the Role on kured's DaemonSet only.
  const role = JSON.parse(kubectlOk(kubeconfig, ['-n', KURED.namespace, 'get', 'role', 'kured-kreboot-controller-lock', '-o', 'json']));
  assert.deepEqual(role.rules[0].resourceNames, [KURED.name]);
});

test("a node whose sentinel was set before the switch is rebooted end to end with the chart's arguments", async (t) => {
  assert.ok(installed, 'the chart is not installed');
  const objects = releaseObjects(kubeconfig, RELEASE, NAMESPACE);
  const agentSpec = findObject(objects, 'DaemonSet').spec.template.spec;
  const controllerSpec = findObject(objects, 'Deployment').spec.template.spec;
  const [node, other] = await cluster.createNodes(2, { prefix: 'kured' });
  if (!node || !other) throw new Error('no nodes');
  const readNode = () => cluster.core.readNode({ name: node });
  const state = async () =>
    JSON.parse((await readNode()).metadata?.annotations?.['kreboot.dev/state'] ?? '{}') as { phase?: string; reason?: string };
  const setKuredLock = (value: string | null) =>
    cluster.apps.patchNamespacedDaemonSet(
      { namespace: KURED.namespace, name: KURED.name, body: { metadata: { annotations: { [KURED.annotation]: value } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  const kuredLock = async () =>
    (await cluster.apps.readNamespacedDaemonSet({ namespace: KURED.namespace, name: KURED.name })).metadata?.annotations?.[
      KURED.annotation
    ];

  t.after(() =>
    printOnFailure(t, async () =>
      [
        `node ${node}: ${JSON.stringify((await readNode()).metadata?.annotations, null, 2)}`,
        `kured lock: ${await kuredLock()}`,
        `chat: ${JSON.stringify(chat ? textsBy(chat.sink, ROUTES.mattermost) : [])} rejected: ${JSON.stringify(chat?.rejections)}`,
        `--- controller\n${controller?.tail(120) ?? ''}`,
        `--- agent\n${host ? readFileSync(join(host.dir, 'agent.log'), 'utf8').split('\n').slice(-60).join('\n') : ''}`,
      ].join('\n'),
    ),
  );

  // kured is rebooting the other node: its lock names it, in kured's own format.
  const kuredHolder = JSON.stringify({ nodeID: other, metadata: { unschedulable: false }, created: new Date().toISOString(), TTL: 0 });
  await setKuredLock(kuredHolder);
  // A critical batch job runs on the node.
  await cluster.createBarePod(NAMESPACE, 'critical-batch', { nodeName: node, labels: BLOCKING_LABEL, wait: true });

  // The identities the chart created: tokens of its ServiceAccounts, bound to pods on the nodes.
  const agentPodName = await waitFor(
    async () => (await cluster.podsOnNode(NAMESPACE, node, { 'app.kubernetes.io/component': 'agent' }))[0],
    { timeoutMs: 60_000, what: `the chart's agent pod on ${node}` },
  );
  const agentPod = await cluster.core.readNamespacedPod({ namespace: NAMESPACE, name: agentPodName });
  const agentIdentity = await serviceAccountIdentity(
    cluster.kc,
    NAMESPACE,
    agentSpec.serviceAccountName,
    join(dir, 'agent.kubeconfig'),
    agentPod,
  );
  const controllerPod = await createPinnedPod(cluster.kc, NAMESPACE, 'controller-probe', controllerSpec.serviceAccountName, other);
  const controllerIdentity = await serviceAccountIdentity(
    cluster.kc,
    NAMESPACE,
    controllerSpec.serviceAccountName,
    join(dir, 'controller.kubeconfig'),
    controllerPod,
  );

  // The credentials the chart generated, as the Secret volume would mount them.
  const secretName = controllerSpec.volumes.find((v: { name: string }) => v.name === 'credentials').secret.secretName;
  const secret = await cluster.core.readNamespacedSecret({ namespace: NAMESPACE, name: secretName });
  for (const key of ['webhook-token', 'admin-token']) writeFileSync(join(dir, key), Buffer.from(secret.data?.[key] ?? '', 'base64'));

  chat = await startServiceSink();
  monitoring = await startMonitoring({ alertmanagerConfig: 'route: {receiver: none}\nreceivers: [{name: none}]\n' });

  // The host needed a reboot before kreboot arrived; its agent starts with the DaemonSet's arguments.
  // kured's values set no period, so the agent checks hourly (its default) instead of the simulated
  // host's 1 s: what moves the reboot along is the agent's start and the controller's check requests.
  const agentArgs: string[] = agentSpec.containers[0].args.slice(1);
  assert.deepEqual(flagValues(agentArgs, 'period'), []);
  host = await createHost({
    node,
    root: dir,
    kubeconfig: agentIdentity.kubeconfigPath,
    core: cluster.core,
    args: withFlags(agentArgs, {
      'reboot-sentinel': undefined,
      'reboot-command': undefined,
      'metrics-port': undefined,
      'metrics-host': undefined,
      period: '1h',
    }),
  });
  host.requireReboot();
  await host.start();

  const controllerArgs = withFlags(controllerSpec.containers[0].args, {
    'webhook-token-file': join(dir, 'webhook-token'),
    'admin-token-file': join(dir, 'admin-token'),
    'metrics-host': '127.0.0.1',
    'metrics-port': String(await freePort()),
    'probe-port': String(await freePort()),
    'prometheus-url': monitoring.prometheusUrl,
    'notify-url': serviceUrls(chat.sink).mattermost,
    kubeconfig: controllerIdentity.kubeconfigPath,
    'pod-name': 'controller-0',
  });
  assert.equal(controllerArgs[0], 'controller');
  controller = startProcess('controller', process.execPath, [join(ROOT, 'src/cli.ts'), ...controllerArgs], { logDir: dir });

  // 1. kured holds the shared lock: kreboot waits and says why.
  const held = await waitFor(
    async () => {
      const seen = await state();
      return seen.phase === 'waiting' && seen.reason?.includes(other) ? seen : undefined;
    },
    { timeoutMs: 60_000, what: `${node} waiting for kured's lock holder ${other}` },
  );
  assert.match(held.reason ?? '', /lock/);
  assert.equal(host.reboots, 0);
  assert.notEqual((await readNode()).spec?.unschedulable, true);

  // 2. kured finishes (releases its lock): now the blocking pod holds the node.
  await setKuredLock(null);
  await waitFor(
    async () => {
      const seen = await state();
      return seen.phase === 'waiting' && seen.reason?.includes('critical-batch') ? seen : undefined;
    },
    { timeoutMs: 60_000, what: `${node} waiting for its blocking pod` },
  );
  assert.equal(host.reboots, 0);

  // 3. The job ends: kreboot takes kured's lock (so kured would wait) and reboots the node.
  await cluster.core.deleteNamespacedPod({ namespace: NAMESPACE, name: 'critical-batch', gracePeriodSeconds: 0 });
  const ours = await waitFor(
    async () => {
      const text = await kuredLock();
      return text?.includes(`"nodeID":"${node}"`) ? text : undefined;
    },
    { timeoutMs: 60_000, what: `kreboot holding kured's lock for ${node}` },
  );
  assert.doesNotMatch(ours, new RegExp(`"nodeID":"(?!${node}")`), "kured's lock holds another node beside ours");

  const done = await waitFor(
    async () => {
      const seen = await readNode();
      const phase = (JSON.parse(seen.metadata?.annotations?.['kreboot.dev/state'] ?? '{}') as { phase?: string }).phase;
      return phase === 'done' && seen.spec?.unschedulable !== true ? seen : undefined;
    },
    { timeoutMs: 120_000, what: `${node} rebooted, verified and uncordoned` },
  );
  assert.equal(host.reboots, 1);
  assert.equal(done.metadata?.annotations?.['kreboot.dev/boot-id'], host.bootIds.at(-1));
  assert.equal(done.metadata?.annotations?.['kreboot.dev/reboot-required'], 'false');
  // The slot is released in kured's lock, so kured (or kreboot) may take the next node.
  await waitFor(async () => !((await kuredLock()) ?? '').includes(`"nodeID":"${node}"`), {
    timeoutMs: 30_000,
    what: "kured's lock released",
  });

  // kured's default message templates reached the chat service (which checked each request).
  const texts = await waitFor(
    () => {
      const received = textsBy(chat!.sink, ROUTES.mattermost);
      return received.some((text) => text.includes(`Node ${node} rebooted & uncordoned successfully!`)) ? received : undefined;
    },
    { timeoutMs: 60_000, what: 'the uncordon message' },
  );
  assert.ok(
    texts.some((text) => text.includes(`Draining node ${node}`)),
    JSON.stringify(texts),
  );
  assert.deepEqual(chat.rejections, []);
  assert.ok(controller.running(), 'the controller exited');
  assert.doesNotMatch(controller.tail(2000), /forbidden|\b403\b/i);
});
