// Every way of installing kreboot — the kustomize base and overlays, the Helm chart with default and
// non-default values — applies server-side to a real API server with zero errors and warnings, and
// the API server type-checks the agent admission policy without a warning.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadAllYaml } from '@kubernetes/client-node';
import { load, loadAll } from 'js-yaml';
import { startCluster } from '../../harness/cluster.ts';
import type { Doc } from '../../harness/packaging/packaging-files.ts';
import { waitFor } from '../../harness/wait-for.ts';
import {
  applyServerSide,
  deleteManifests,
  helm,
  helmTemplate,
  kubectlOk,
  kustomize,
  ROOT,
  run,
  type RunResult,
} from '../../harness/packaging/cli-tools.ts';

let cluster: Awaited<ReturnType<typeof startCluster>>;
let kubeconfig: string;
const tmp = mkdtempSync(join(tmpdir(), 'kreboot-packaging-'));

// Non-default values a kured user might bring, plus every optional object of the chart.
const CUSTOM_VALUES = {
  configuration: {
    rebootMethod: 'signal',
    rebootSentinel: '/run/reboot-needed',
    period: '5m',
    concurrency: 2,
    blockingPodSelector: ['app=critical', 'team in (db,storage)'],
    rebootDays: ['mo', 'tu'],
    startTime: '22:00',
    endTime: '5:00am',
    timeZone: 'Europe/Berlin',
    forceReboot: true,
    drainTimeout: '30m',
    notifyUrl: ['ntfy://ntfy.example/kreboot'],
    prometheusUrl: 'http://prometheus.monitoring:9090',
    preRebootNodeLabels: ['kreboot=draining'],
    lockTtl: '2h',
    annotateNodes: true,
  },
  extraArgs: { 'drain-grace-period': 60, 'alert-firing-only': '' },
  extraEnvVars: [{ name: 'KURED_SLACK_USERNAME', value: 'kreboot' }],
  tolerations: [{ operator: 'Exists' }],
  resources: { limits: { memory: '100Mi' } },
  metrics: { create: true, labels: { release: 'prometheus' } },
  service: { create: true },
  prometheusRule: { create: true, for: '15m' },
  alertmanagerConfig: { create: true, labels: { alertmanagerConfig: 'kreboot' }, alertNames: ['RebootRequired', 'NodeKernelDeadlock'] },
  serviceAccount: { extraAnnotations: { 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111122223333:role/kreboot' } },
  initContainers: [{ name: 'agent-init', image: 'registry.example/init:1', command: ['true'] }],
  controller: {
    replicas: 3,
    credentials: { webhookUsername: 'alertmanager', adminToken: false },
    extraArgs: { 'retry-backoff': '10m' },
    trigger: 'alert',
    maintenanceWindows: ['0 22 * * 1-5 4h'],
    managedNodeSelector: 'pool=general',
    rebootTimeout: '45m',
    alertScope: 'cluster',
    remediationAlertRegexp: '^NodeKernelDeadlock$',
    webhookBodyLimit: 2_000_000,
    // A false that is not the flag's default must reach the flag (kured's behaviour: no workload gate).
    workloadGate: false,
    workloadGateTimeout: '10m',
    workloadGateTimeoutAction: 'continue',
    prometheusUsername: 'kreboot',
    prometheusPasswordFile: '/etc/kreboot/prometheus/password',
    extraSecretMounts: [{ name: 'prometheus', secretName: 'prometheus-basic-auth', mountPath: '/etc/kreboot/prometheus' }],
    initContainers: [{ name: 'controller-init', image: 'registry.example/init:1', command: ['true'] }],
    volumes: [{ name: 'scratch', emptyDir: {} }],
    volumeMounts: [{ name: 'scratch', mountPath: '/scratch' }],
  },
};

function assertClean(what: string, result: RunResult): void {
  assert.equal(result.code, 0, `${what}: kubectl apply failed\n${result.stderr}\n${result.stdout}`);
  assert.equal(result.stderr.trim(), '', `${what}: kubectl apply warned\n${result.stderr}`);
  assert.match(result.stdout, /serverside-applied/, `${what}: nothing applied\n${result.stdout}`);
  assert.doesNotMatch(result.stdout, /error/i);
}

function createNamespace(name: string): void {
  const namespace = JSON.stringify({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
  });
  kubectlOk(kubeconfig, ['apply', '--server-side', '-f', '-'], namespace);
  applied.push(namespace);
}

function apply(what: string, manifests: string): void {
  applied.push(manifests);
  assertClean(what, applyServerSide(kubeconfig, manifests));
}

before(async () => {
  cluster = await startCluster();
  kubeconfig = cluster.kubeconfigPath;
  const crds = readFileSync(join(ROOT, 'test/integration/packaging/operator-crds.yaml'), 'utf8');
  kubectlOk(kubeconfig, ['apply', '--server-side', '-f', '-'], crds);
  applied.push(crds);
  kubectlOk(kubeconfig, [
    'wait',
    '--for=condition=Established',
    '--timeout=60s',
    'crd/servicemonitors.monitoring.coreos.com',
    'crd/prometheusrules.monitoring.coreos.com',
    'crd/alertmanagerconfigs.monitoring.coreos.com',
  ]);
});

const applied: string[] = [];

after(async () => {
  // Newest first: the CRDs go last, after the custom resources that use them.
  for (const manifests of applied.reverse()) deleteManifests(kubeconfig, manifests);
  await cluster?.stop();
});

test('the kustomize base applies server-side, and again idempotently', () => {
  const manifests = kustomize('deploy/base');
  apply('deploy/base', manifests);
  const again = applyServerSide(kubeconfig, manifests);
  assertClean('deploy/base (again)', again);
  assert.doesNotMatch(again.stdout, /configured/, 'a second apply changed something');
});

test('the signal overlay and the Prometheus Operator overlay apply server-side', () => {
  for (const dir of ['deploy/overlays/signal', 'deploy/overlays/prometheus-operator']) {
    assertClean(`${dir} (dry run)`, applyServerSide(kubeconfig, kustomize(dir), { dryRun: true }));
  }
  // The signal agent: hostPID and CAP_KILL, nothing privileged.
  const signal = JSON.parse(
    kubectlOk(
      kubeconfig,
      ['apply', '--server-side', '--dry-run=server', '--field-manager=kreboot-packaging-test', '-o', 'json', '-f', '-'],
      kustomize('deploy/overlays/signal'),
    ),
  );
  const daemonSet = signal.items.find((item: { kind: string }) => item.kind === 'DaemonSet');
  const agent = daemonSet.spec.template.spec.containers[0];
  assert.equal(daemonSet.spec.template.spec.hostPID, true);
  assert.ok(agent.args.includes('--reboot-method=signal'));
  assert.equal(agent.securityContext.privileged, false);
  assert.deepEqual(agent.securityContext.capabilities, { add: ['KILL'], drop: ['ALL'] });
  apply('deploy/overlays/prometheus-operator', kustomize('deploy/overlays/prometheus-operator'));
  // One default trigger: the base reboots on the agents' reports, as the chart does; with the alert
  // path installed (components/monitoring), Alertmanager requests the reboots.
  const controllerArgs = (dir: string) =>
    (loadAll(kustomize(dir)) as Array<{ kind: string; spec: { template: { spec: { containers: Array<{ args: string[] }> } } } }>).find(
      (item) => item?.kind === 'Deployment',
    )!.spec.template.spec.containers[0]!.args;
  assert.deepEqual(
    controllerArgs('deploy/base').filter((arg) => arg.startsWith('--trigger')),
    ['--trigger=node'],
  );
  assert.deepEqual(
    controllerArgs('deploy/overlays/prometheus-operator').filter((arg) => arg.startsWith('--trigger')),
    ['--trigger=alert'],
  );
});

test('helm lint finds nothing in the chart', () => {
  const result = run(helm(), ['lint', join(ROOT, 'deploy/helm/kreboot'), '--kube-version', '1.37.2', '--strict']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
});

test("the Helm chart sends the controller's probes to their own port, and to the public one with controller.probePort=0", () => {
  const probePorts = (manifests: string) => {
    const deployment = loadAllYaml(manifests).find((doc) => (doc as { kind?: string } | null)?.kind === 'Deployment') as Doc;
    const container = deployment.spec.template.spec.containers[0];
    return {
      args: container.args.filter((arg: string) => arg.startsWith('--probe-port')),
      ports: container.ports.map((port: { name: string; containerPort: number }) => `${port.name}:${port.containerPort}`),
      probes: ['startupProbe', 'livenessProbe', 'readinessProbe'].map((probe) => container[probe].httpGet.port),
    };
  };
  assert.deepEqual(probePorts(helmTemplate('hp', 'kreboot')), {
    args: ['--probe-port=8081'],
    ports: ['http:8080', 'probes:8081'],
    probes: ['probes', 'probes', 'probes'],
  });
  const valuesFile = join(tmp, 'no-probe-port.json');
  writeFileSync(valuesFile, JSON.stringify({ controller: { probePort: 0 } }));
  assert.deepEqual(probePorts(helmTemplate('hp', 'kreboot', valuesFile)), {
    args: [],
    ports: ['http:8080'],
    probes: ['http', 'http', 'http'],
  });
});

test('the Helm chart with default values applies server-side', () => {
  createNamespace('kreboot-helm-default');
  apply('helm default', helmTemplate('hd', 'kreboot-helm-default'));
});

test('the Helm chart with non-default values applies server-side and renders them', () => {
  createNamespace('kreboot-helm-custom');
  const valuesFile = join(tmp, 'values.json');
  writeFileSync(valuesFile, JSON.stringify(CUSTOM_VALUES));
  // Rendered against the cluster, as helm install does: the chart generates its credentials Secret.
  const manifests = helmTemplate('hc', 'kreboot-helm-custom', valuesFile, { kubeconfig });
  apply('helm custom', manifests);

  const daemonSet = JSON.parse(kubectlOk(kubeconfig, ['-n', 'kreboot-helm-custom', 'get', 'daemonset', 'hc-kreboot-agent', '-o', 'json']));
  const agent = daemonSet.spec.template.spec.containers[0];
  assert.ok(agent.args.includes('--reboot-method=signal'));
  assert.ok(agent.args.includes('--reboot-sentinel=/sentinel/reboot-needed'));
  assert.equal(daemonSet.spec.template.spec.volumes[0].hostPath.path, '/run');
  assert.deepEqual(agent.securityContext.capabilities, { add: ['KILL'], drop: ['ALL'] });
  assert.equal(agent.securityContext.privileged, false);

  const deployment = JSON.parse(
    kubectlOk(kubeconfig, ['-n', 'kreboot-helm-custom', 'get', 'deployment', 'hc-kreboot-controller', '-o', 'json']),
  );
  const controller = deployment.spec.template.spec.containers[0];
  for (const arg of [
    '--concurrency=2',
    '--blocking-pod-selector=team in (db,storage)',
    '--reboot-days=mo',
    '--reboot-days=tu',
    '--webhook-username=alertmanager',
    '--reboot-timeout=45m',
    '--drain-grace-period=60',
    '--alert-firing-only',
    '--ds-name=hc-kreboot-agent',
    '--ds-namespace=kreboot-helm-custom',
    '--trigger=alert',
    '--maintenance-window=0 22 * * 1-5 4h',
    '--node-selector=pool=general',
    '--alert-scope=cluster',
    '--retry-backoff=10m',
    '--remediation-alert-regexp=^NodeKernelDeadlock$',
    '--prometheus-username=kreboot',
    '--prometheus-password-file=/etc/kreboot/prometheus/password',
    // Helm reads numbers as floats: a million must not reach the flag as 2e+06.
    '--webhook-body-limit=2000000',
    '--workload-gate=false',
    '--workload-gate-timeout=10m',
    '--workload-gate-timeout-action=continue',
  ]) {
    assert.ok(controller.args.includes(arg), `controller lacks ${arg}: ${controller.args.join(' ')}`);
  }
  assert.ok(!controller.args.some((a: string) => a.startsWith('--admin-token-file')));
  assert.equal(deployment.spec.replicas, 3);
  // The Prometheus password file comes from its Secret, mounted where the flag says.
  const pod = deployment.spec.template.spec;
  assert.equal(pod.volumes.find((v: { name: string }) => v.name === 'prometheus').secret.secretName, 'prometheus-basic-auth');
  assert.deepEqual(
    controller.volumeMounts.find((m: { name: string }) => m.name === 'prometheus'),
    { name: 'prometheus', mountPath: '/etc/kreboot/prometheus', readOnly: true },
  );
  assert.ok(controller.volumeMounts.some((m: { mountPath: string }) => m.mountPath === '/scratch'));
  assert.deepEqual(
    pod.initContainers.map((c: { name: string }) => c.name),
    ['controller-init'],
  );
  assert.deepEqual(
    daemonSet.spec.template.spec.initContainers.map((c: { name: string }) => c.name),
    ['agent-init'],
  );
  const accounts = JSON.parse(
    kubectlOk(kubeconfig, ['-n', 'kreboot-helm-custom', 'get', 'serviceaccounts', '-l', 'app.kubernetes.io/instance=hc', '-o', 'json']),
  );
  assert.equal(accounts.items.length, 2);
  for (const account of accounts.items)
    assert.equal(account.metadata.annotations['eks.amazonaws.com/role-arn'], 'arn:aws:iam::111122223333:role/kreboot');

  const monitors = JSON.parse(kubectlOk(kubeconfig, ['-n', 'kreboot-helm-custom', 'get', 'servicemonitors', '-o', 'json']));
  assert.equal(monitors.items.length, 2);
  // The agents' node label comes from the pod's node, never from the agent (issue 26 item 14).
  for (const monitor of monitors.items) {
    const agentMonitor = monitor.metadata.name === 'hc-kreboot-agent';
    assert.equal(monitor.spec.endpoints[0].honorLabels, !agentMonitor, monitor.metadata.name);
    if (agentMonitor)
      assert.deepEqual(monitor.spec.endpoints[0].relabelings, [{ sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }]);
  }

  // The AlertmanagerConfig routes both alerts to the controller Service with the Secret's basic auth.
  const amConfig = JSON.parse(
    kubectlOk(kubeconfig, ['-n', 'kreboot-helm-custom', 'get', 'alertmanagerconfig', 'hc-kreboot', '-o', 'json']),
  );
  assert.deepEqual(amConfig.spec.route.matchers, [{ name: 'alertname', value: 'RebootRequired|NodeKernelDeadlock', matchType: '=~' }]);
  const hook = amConfig.spec.receivers[0].webhookConfigs[0];
  assert.equal(hook.url, 'http://hc-kreboot-controller.kreboot-helm-custom.svc:8080/api/v1/alerts');
  assert.equal(hook.sendResolved, true);
  const secret = JSON.parse(kubectlOk(kubeconfig, ['-n', 'kreboot-helm-custom', 'get', 'secret', 'hc-kreboot-controller', '-o', 'json']));
  for (const ref of [hook.httpConfig.basicAuth.username, hook.httpConfig.basicAuth.password]) {
    assert.equal(ref.name, 'hc-kreboot-controller');
    assert.ok(secret.data[ref.key], `the Secret lacks ${ref.key}`);
  }
  assert.equal(Buffer.from(secret.data['webhook-username'], 'base64').toString(), 'alertmanager');

  // The PrometheusRule is alertmanager/rules.yaml, with RebootRequired's for and namespace label.
  const rule = JSON.parse(kubectlOk(kubeconfig, ['-n', 'kreboot-helm-custom', 'get', 'prometheusrule', 'hc-kreboot', '-o', 'json']));
  const expected = load(readFileSync(join(ROOT, 'alertmanager/rules.yaml'), 'utf8')) as {
    groups: Array<{ rules: Array<Record<string, unknown>> }>;
  };
  const rebootRequired = expected.groups[0]!.rules[0]!;
  Object.assign(rebootRequired, { for: '15m', labels: { ...(rebootRequired.labels as object), namespace: 'kreboot-helm-custom' } });
  assert.deepEqual(rule.spec.groups, expected.groups);
});

test('the chart grants exactly the RBAC rules of the kustomize base', () => {
  // Same kinds and rules; names differ only by the release prefix (hd-kreboot-… vs kreboot-…).
  const rules = (manifests: string, prefix: string) => {
    const docs = loadAllYaml(manifests) as Array<{ kind: string; metadata: { name: string; namespace?: string }; rules?: unknown[] }>;
    return docs
      .filter((doc) => doc.kind === 'ClusterRole' || doc.kind === 'Role')
      .map((doc) =>
        JSON.stringify([
          doc.kind,
          doc.metadata.name.replace(prefix, ''),
          doc.metadata.namespace === 'default' ? 'default' : '',
          doc.rules,
        ]).replaceAll(prefix, ''),
      )
      .sort();
  };
  assert.deepEqual(rules(helmTemplate('hd', 'kreboot'), 'hd-'), rules(kustomize('deploy/base'), ''));
});

test('the API server type-checks the agent admission policy without warnings', async () => {
  for (const name of ['kreboot-agent-own-node', 'hd-kreboot-agent-own-node']) {
    const status = await waitFor(
      () => {
        const policy = JSON.parse(kubectlOk(kubeconfig, ['get', 'validatingadmissionpolicy', name, '-o', 'json']));
        return policy.status?.typeChecking !== undefined && policy.status.observedGeneration === policy.metadata.generation
          ? policy.status
          : undefined;
      },
      { timeoutMs: 60_000, what: `type checking of ${name}` },
    );
    assert.deepEqual(status.typeChecking.expressionWarnings ?? [], [], JSON.stringify(status.typeChecking));
  }
});
