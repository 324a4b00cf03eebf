// The kustomize base wires the two roles to each other as the code expects: the lock DaemonSet and
// the leader Lease the controller's flags name are the ones its RBAC allows, every flag exists, and
// the security contexts are the least each role needs.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FLAGS_BY_NAME } from '../../../src/config/flags.ts';
import { findDoc, flagArgs, readText, type Doc } from '../../harness/packaging/packaging-files.ts';

const deployment = findDoc('deploy/base/controller-deployment.yaml', 'Deployment');
const daemonSet = findDoc('deploy/base/agent-daemonset.yaml', 'DaemonSet');
const controllerArgs = flagArgs(deployment.spec.template.spec.containers[0].args);
const agentArgs = flagArgs(daemonSet.spec.template.spec.containers[0].args);

test('every flag in the manifests is a flag of that role', () => {
  for (const [role, args] of [
    ['controller', controllerArgs],
    ['agent', agentArgs],
  ] as const) {
    for (const name of args.keys()) assert.ok(FLAGS_BY_NAME.get(name)?.roles.includes(role), `--${name} is not a ${role} flag`);
  }
  assert.equal(deployment.spec.template.spec.containers[0].args[0], 'controller');
  assert.equal(daemonSet.spec.template.spec.containers[0].args[0], 'agent');
});

test('the controller may write the lock DaemonSet and the leader Lease its flags name, and only those', () => {
  const role = findDoc('deploy/base/controller-rbac.yaml', 'Role');
  assert.equal(controllerArgs.get('ds-name'), daemonSet.metadata.name);
  assert.equal(controllerArgs.get('ds-namespace'), daemonSet.metadata.namespace);
  assert.equal(role.metadata.namespace, daemonSet.metadata.namespace);
  const dsRule = role.rules.find((r: Doc) => r.resources.includes('daemonsets'));
  assert.deepEqual(dsRule.resourceNames, [daemonSet.metadata.name]);
  const leaseName = controllerArgs.get('leader-election-id') ?? FLAGS_BY_NAME.get('leader-election-id')?.default;
  const leaseRule = role.rules.find((r: Doc) => r.resources.includes('leases') && r.resourceNames !== undefined);
  assert.deepEqual(leaseRule.resourceNames, [leaseName]);
});

test('the controller runs non-root, read-only, without capabilities, with probes on /healthz and /readyz', () => {
  const pod = deployment.spec.template.spec;
  const container = pod.containers[0];
  assert.equal(pod.securityContext.runAsNonRoot, true);
  assert.equal(container.securityContext.readOnlyRootFilesystem, true);
  assert.equal(container.securityContext.allowPrivilegeEscalation, false);
  assert.deepEqual(container.securityContext.capabilities.drop, ['ALL']);
  assert.equal(container.livenessProbe.httpGet.path, '/healthz');
  assert.equal(container.readinessProbe.httpGet.path, '/readyz');
  // A slow start gets minutes before liveness can kill it (seen on real nodes under load).
  assert.equal(container.startupProbe.httpGet.path, '/healthz');
  assert.ok(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold >= 300);
  assert.ok(container.resources.requests && container.resources.limits);
  assert.equal(deployment.spec.replicas, 2);
});

test("the controller's probes go to their own port, the one --probe-port names, apart from the public routes (issue 26, item 8)", () => {
  const container = deployment.spec.template.spec.containers[0];
  const ports = new Map<string, number>(container.ports.map((port: Doc) => [port.name, port.containerPort]));
  assert.equal(String(ports.get('probes')), controllerArgs.get('probe-port'));
  assert.notEqual(ports.get('probes'), ports.get('http'));
  for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) assert.equal(container[probe].httpGet.port, 'probes', probe);
  // The Service publishes the public port only: the probes are for the kubelet.
  const service = findDoc('deploy/base/controller-service.yaml', 'Service');
  assert.ok(!service.spec.ports.some((port: Doc) => port.targetPort === 'probes' || port.port === ports.get('probes')));
});

test('the agent gets its node name from the downward API and the sentinel folder read-only', () => {
  const pod = daemonSet.spec.template.spec;
  const container = pod.containers[0];
  assert.equal(pod.hostPID, true);
  const nodeId = container.env.find((e: Doc) => e.name === 'KURED_NODE_ID');
  assert.equal(nodeId.valueFrom.fieldRef.fieldPath, 'spec.nodeName');
  const mount = container.volumeMounts.find((m: Doc) => m.name === 'sentinel');
  assert.equal(mount.readOnly, true);
  assert.ok(agentArgs.get('reboot-sentinel')?.startsWith(`${mount.mountPath}/`));
  const volume = pod.volumes.find((v: Doc) => v.name === 'sentinel');
  assert.equal(volume.hostPath.path, '/var/run');
  const tolerated = pod.tolerations.map((t: Doc) => t.key);
  assert.ok(tolerated.includes('node-role.kubernetes.io/control-plane'));
});

test("the agent's node command runs the image's agent bundle with flags this Node accepts", async () => {
  const { spawnSync } = await import('node:child_process');
  const command: string[] = findDoc('deploy/base/agent-daemonset.yaml', 'DaemonSet').spec.template.spec.containers[0].command;
  assert.equal(command[0], 'node');
  assert.equal(command.at(-1), '/app/dist/kreboot-agent.cjs', 'the bundle the Dockerfile builds');
  const flags = command.slice(1, -1);
  const run = spawnSync(process.execPath, [...flags, '-e', '0'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const chart = readText('deploy/helm/kreboot/templates/agent-daemonset.yaml');
  assert.ok(chart.includes(`command: ${JSON.stringify(command).replaceAll(',', ', ')}`), 'the Helm chart runs the same command');
  assert.match(readText('Dockerfile'), /node scripts\/build-bundles\.ts/, 'the image builds the bundle');
  assert.match(readText('Dockerfile'), /COPY --from=build \/src\/dist \.\/dist/, 'and ships dist/ with it');
});

test('the image runs the CLI bundle, with node flags this Node accepts', async () => {
  const { spawnSync } = await import('node:child_process');
  const { imageNodeFlags } = await import('../../harness/controller/controller-bundle.ts');
  const run = spawnSync(process.execPath, [...imageNodeFlags(), '-e', '0'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  // The controller's Deployment passes only arguments: the ENTRYPOINT is what runs it.
  const container = findDoc('deploy/base/controller-deployment.yaml', 'Deployment').spec.template.spec.containers[0];
  assert.equal(container.command, undefined);
  assert.equal(container.args[0], 'controller');
});

test('the chart and the kustomize base give the controller the same reviews, and ship the same kreboot-operator role', () => {
  for (const file of ['deploy/base/controller-rbac.yaml', 'deploy/helm/kreboot/templates/controller-rbac.yaml']) {
    const text = readText(file);
    assert.match(text, /apiGroups: \[authentication\.k8s\.io\]\n\s+resources: \[tokenreviews\]\n\s+verbs: \[create\]/, file);
    assert.match(text, /apiGroups: \[authorization\.k8s\.io\]\n\s+resources: \[subjectaccessreviews\]\n\s+verbs: \[create\]/, file);
  }
  const rules = (text: string) =>
    text
      .slice(text.indexOf('rules:'))
      .replace(/\{\{- end \}\}/, '')
      .replace(/\{\{[^}]*\}\}/g, 'NAME');
  assert.equal(
    rules(readText('deploy/helm/kreboot/templates/operator-rbac.yaml')).trim(),
    rules(readText('deploy/base/operator-rbac.yaml')).replace('kreboot-controller', 'NAME').trim(),
  );
  assert.match(readText('deploy/base/kustomization.yaml'), /- operator-rbac\.yaml/);
});
