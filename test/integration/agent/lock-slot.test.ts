// --require-lock-slot against the real control plane (issue 26 item 5): without the admission
// policies any agent may write a reboot job on any Node (its RBAC patches every Node), so a
// compromised agent could reboot every other node at once without a drain. With the flag, the real
// agent runs a job only while its node holds a kreboot slot in the lock on the DaemonSet, which no
// agent can write: a forged job is refused and nothing reboots; the controller's job (slot held)
// runs as before. The agent's identity has exactly the RBAC the manifests give it then: nodes
// get/watch/patch, and get on that one DaemonSet.

import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { serializeLock } from '../../../src/store/lock-record.ts';
import { AGENT, CONTROLLER } from '../../../src/store/keys.ts';
import { MERGE_PATCH } from '../../../src/kube/patch.ts';
import { AGENT_CLUSTER_ROLE_RULES } from '../../harness/agent/agent-rbac.ts';
import { startAgent, type AgentProcess } from '../../harness/agent/agent-process.ts';

const DS = 'kreboot-agent';
const LOCK = 'weave.works/kured-node-lock';
let cluster: Cluster;
let namespace: string;
let kubeconfig: string;
let agent: AgentProcess | undefined;
const dir = mkdtempSync(join(tmpdir(), 'kreboot-lock-slot-'));

before(async () => {
  cluster = await startCluster();
  namespace = await cluster.newNamespace('kreboot-lock');
  await cluster.grant(namespace, 'kreboot-agent', AGENT_CLUSTER_ROLE_RULES, 'cluster');
  await cluster.grant(namespace, 'kreboot-agent', [
    { apiGroups: ['apps'], resources: ['daemonsets'], resourceNames: [DS], verbs: ['get'] },
  ]);
  kubeconfig = await cluster.serviceAccountKubeconfig(namespace, 'kreboot-agent', { expirationSeconds: 6 * 3600 });
  // The lock's DaemonSet; its pods go nowhere (no node matches), only its annotation matters here.
  await cluster.apps.createNamespacedDaemonSet({
    namespace,
    body: {
      metadata: { name: DS, namespace },
      spec: {
        selector: { matchLabels: { app: 'lock-only' } },
        template: {
          metadata: { labels: { app: 'lock-only' } },
          spec: { nodeSelector: { 'kreboot.dev/no-such-node': 'x' }, containers: [{ name: 'c', image: 'registry.invalid/none:1' }] },
        },
      },
    },
  });
});

afterEach(async (t) => {
  await printOnFailure(t, () => `--- agent log\n${agent?.log().split('\n').slice(-40).join('\n') ?? ''}`);
});

after(async () => {
  await agent?.stop();
  await cluster?.stop();
});

const annotations = async (name: string) => (await cluster.core.readNode({ name })).metadata?.annotations ?? {};
const setLock = (holders: string[]) =>
  cluster.apps.patchNamespacedDaemonSet(
    {
      namespace,
      name: DS,
      body: {
        metadata: {
          annotations: {
            [LOCK]: serializeLock(
              { holders: holders.map((nodeID) => ({ nodeID, created: new Date().toISOString(), unschedulable: false, ours: true })) },
              2,
              0,
            ),
          },
        },
      },
    },
    MERGE_PATCH,
  );
const dispatch = (node: string, id: string) =>
  cluster.core.patchNode(
    {
      name: node,
      body: {
        metadata: {
          annotations: {
            [CONTROLLER.rebootJob]: JSON.stringify({
              id,
              createdAt: new Date().toISOString(),
              bootIdBefore: 'boot-1',
              notAfter: new Date(Date.now() + 600_000).toISOString(),
            }),
          },
        },
      },
    },
    MERGE_PATCH,
  );

test('with --require-lock-slot a job on a node without a kreboot slot is refused; with the slot it runs', async () => {
  const [node, other] = await cluster.createNodes(2, { prefix: 'lock-slot-' });
  const base = mkdtempSync(join(dir, 'host-'));
  writeFileSync(join(base, 'boot_id'), 'boot-1\n');
  const ran = join(base, 'reboot-ran');
  const script = join(base, 'reboot.sh');
  writeFileSync(script, `#!/bin/sh\necho ran >> '${ran}'\n`);
  chmodSync(script, 0o755);
  const runs = () => (existsSync(ran) ? readFileSync(ran, 'utf8').trim().split('\n').length : 0);
  await setLock([other!]); // another node holds the only slot: a rollout under way elsewhere
  agent = await startAgent({
    node: node!,
    kubeconfig,
    dir,
    name: 'lock-slot',
    args: [
      `--reboot-sentinel=${join(base, 'reboot-required')}`,
      `--boot-id-file=${join(base, 'boot_id')}`,
      '--period=1h',
      `--reboot-command=${script}`,
      `--require-lock-slot=${namespace}/${DS}`,
    ],
  });
  await waitFor(async () => (await annotations(node!))[AGENT.bootId] === 'boot-1', { what: 'the boot ID report', timeoutMs: 20_000 });

  // A forged job (what a compromised agent could write without the admission policies).
  await dispatch(node!, 'forged');
  await waitFor(() => /"job":"forged","reason":"this node holds no slot in the lock/.test(agent!.log()), {
    what: 'the forged job refused',
    timeoutMs: 20_000,
  });
  assert.equal((await annotations(node!))[AGENT.jobStatus], undefined, 'not even acknowledged');
  assert.equal(runs(), 0);

  // The controller's way: the slot first, then the job.
  await setLock([other!, node!]);
  await dispatch(node!, 'granted');
  await waitFor(async () => JSON.parse((await annotations(node!))[AGENT.jobStatus] ?? '{}').state === 'started', {
    what: 'the granted job started',
    timeoutMs: 20_000,
  });
  await waitFor(() => runs() === 1, { what: 'the reboot command to run', timeoutMs: 10_000 });
});
