// One full reboot with exactly the manifests' identities: the real controller and agent processes
// run with TokenRequest tokens of the kreboot-controller and kreboot-agent ServiceAccounts (bound to
// pods on the KWOK node, as in a cluster), under the manifests' RBAC and the agent admission policy.
// The host is simulated: the reboot command writes a new boot ID and clears the sentinel.

import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { CoreV1Api, type V1Node } from '@kubernetes/client-node';
import { startCluster } from '../../harness/cluster.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { freePort } from '../../harness/ports.ts';
import { startProcess, type ManagedProcess } from '../../harness/process.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { createPinnedPod, serviceAccountIdentity } from './tokens.ts';
import { applyServerSide, deleteManifests, kustomize, ROOT } from './tools.ts';

const tmp = mkdtempSync(join(tmpdir(), 'kreboot-reboot-'));
const NODE_BIN = process.execPath;
let cluster: Awaited<ReturnType<typeof startCluster>>;
const base = kustomize('deploy/base');
const processes: ManagedProcess[] = [];

function script(name: string, body: string): string {
  const path = join(tmp, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

before(async () => {
  cluster = await startCluster();
  const result = applyServerSide(cluster.kubeconfigPath, base);
  assert.equal(result.code, 0, result.stderr);
});

after(async () => {
  for (const child of processes) await child.stop();
  if (cluster) deleteManifests(cluster.kubeconfigPath, base);
  await cluster?.stop();
});

test('the controller and the agent complete a reboot with only the manifests\' permissions', async (t) => {
  // The node to reboot, and a second one for the pod the controller's token is bound to (the drain
  // deletes bare pods, and a deleted pod's token stops working, as the evicted controller would).
  const [node, other] = await cluster.createNodes(2, { prefix: 'reboot' });
  assert.ok(node && other);
  const admin = cluster.kc;
  // The agent's token is bound to the DaemonSet's own pod on that node: it names the node, and the
  // drain leaves DaemonSet pods alone, as it does in a cluster.
  const agentPodName = await waitFor(async () => (await cluster.podsOnNode('kreboot', node, { 'app.kubernetes.io/component': 'agent' }))[0], { timeoutMs: 60_000, what: `the kreboot-agent DaemonSet pod on ${node}` });
  const agentPod = await cluster.core.readNamespacedPod({ namespace: 'kreboot', name: agentPodName });
  const controllerPod = await createPinnedPod(admin, 'kreboot', `controller-${other}`, 'kreboot-controller', other);
  const agent = await serviceAccountIdentity(admin, 'kreboot', 'kreboot-agent', join(tmp, 'agent.kubeconfig'), agentPod);
  const controller = await serviceAccountIdentity(admin, 'kreboot', 'kreboot-controller', join(tmp, 'controller.kubeconfig'), controllerPod);

  // The simulated host: a sentinel file, a boot ID file, an nsenter that runs its command here, and
  // a reboot command that "reboots" by changing the boot ID and clearing the sentinel.
  const sentinel = join(tmp, 'reboot-required');
  const bootId = join(tmp, 'boot_id');
  writeFileSync(bootId, 'boot-before\n');
  const nsenter = script('nsenter', 'shift; [ "$1" = "--" ] && shift; exec "$@"');
  const reboot = script('reboot', `echo boot-after > '${bootId}'; rm -f '${sentinel}'`);
  writeFileSync(join(tmp, 'webhook-token'), 'webhook-secret\n');
  writeFileSync(join(tmp, 'admin-token'), 'admin-secret\n');

  const logDir = tmp;
  processes.push(startProcess('agent', NODE_BIN, [join(ROOT, 'src/cli.ts'), 'agent', `--kubeconfig=${agent.kubeconfigPath}`, `--node-id=${node}`,
    `--reboot-sentinel=${sentinel}`, `--boot-id-file=${bootId}`, '--period=1s', `--reboot-command=${reboot}`, `--nsenter=${nsenter}`,
    '--metrics-host=127.0.0.1', `--metrics-port=${await freePort()}`, '--log-format=json'], { logDir }));
  processes.push(startProcess('controller', NODE_BIN, [join(ROOT, 'src/cli.ts'), 'controller', `--kubeconfig=${controller.kubeconfigPath}`,
    '--ds-namespace=kreboot', '--ds-name=kreboot-agent', '--trigger=node', `--webhook-token-file=${join(tmp, 'webhook-token')}`,
    `--admin-token-file=${join(tmp, 'admin-token')}`, '--metrics-host=127.0.0.1', `--metrics-port=${await freePort()}`, '--pod-name=controller-0',
    '--lease-duration=5s', '--log-format=json'], { logDir }));

  const core = admin.makeApiClient(CoreV1Api);
  const annotations = async (): Promise<Record<string, string>> => (await core.readNode({ name: node })).metadata?.annotations ?? {};
  t.after(() => printOnFailure(t, async () => {
    const seen: V1Node = await core.readNode({ name: node });
    const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${node}` });
    return [
      `node ${node}: unschedulable=${String(seen.spec?.unschedulable)} annotations=${JSON.stringify(seen.metadata?.annotations, null, 2)}`,
      `events: ${events.items.map((e) => `${e.reason}: ${e.message}`).join('\n')}`,
      ...processes.map((p) => `--- ${p.name}\n${p.tail(80)}`),
      await cluster.dumpLogs({ print: false }),
    ].join('\n');
  }));

  // The agent reports its node (boot ID, no reboot needed) with its own token.
  await waitFor(async () => (await annotations())['kreboot.dev/boot-id'] === 'boot-before', { timeoutMs: 60_000, what: 'the agent\'s first report' });

  writeFileSync(sentinel, '');
  await waitFor(async () => (await annotations())['kreboot.dev/boot-id'] === 'boot-after', { timeoutMs: 120_000, what: 'the reboot job to run' });
  const done = await waitFor(async () => {
    const seen = await core.readNode({ name: node });
    const state = JSON.parse(seen.metadata?.annotations?.['kreboot.dev/state'] ?? '{}') as { phase?: string };
    return state.phase === 'done' && seen.spec?.unschedulable !== true ? seen : undefined;
  }, { timeoutMs: 120_000, what: 'the node back, verified and uncordoned' });

  assert.equal(done.metadata?.annotations?.['kreboot.dev/reboot-required'], 'false');
  for (const child of processes) assert.ok(child.running(), `${child.name} exited`);
  for (const child of processes) assert.doesNotMatch(child.tail(1000), /forbidden|"statusCode":403|\b403\b/i, `${child.name} was denied something`);
});
