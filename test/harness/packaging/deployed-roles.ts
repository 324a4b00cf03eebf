// A node with a simulated host, and the real kreboot controller and agent processes running with
// exactly the manifests' identities: TokenRequest tokens of the kreboot-controller and
// kreboot-agent ServiceAccounts of deploy/base, bound to pods on KWOK nodes as in a cluster.
// The host: a sentinel file, a boot ID file, an nsenter that runs its command here, and a reboot
// command that "reboots" by changing the boot ID and clearing the sentinel.

import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { V1Node } from '@kubernetes/client-node';
import { shippedAgentArgs } from '../agent/agent-bundle.ts';
import type { Cluster } from '../cluster.ts';
import { freePort } from '../ports.ts';
import { startProcess, type ManagedProcess } from '../process.ts';
import { waitFor } from '../wait-for.ts';
import { createPinnedPod, serviceAccountIdentity } from './manifest-tokens.ts';
import { ROOT } from './cli-tools.ts';

export interface Rig {
  readonly node: string;
  readonly dir: string;
  readonly sentinel: string;
  readonly webhookTokenFile: string;
  readonly agentMetrics: string;
  readonly controllerUrl: string;
  readonly processes: ManagedProcess[];
  /** Starts both processes (after the caller has set up what the controller talks to). */
  start(controllerArgs?: readonly string[]): void;
  annotations(): Promise<Record<string, string>>;
  /** Waits until the node's record says done and the node is schedulable again. */
  waitRebooted(timeoutMs?: number): Promise<V1Node>;
  report(): Promise<string>;
  stop(): Promise<void>;
}

function script(dir: string, name: string, body: string): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/** Needs deploy/base applied. Creates two nodes: one to reboot, one for the controller's token pod. */
export async function createRig(cluster: Cluster): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'kreboot-rig-'));
  // The drain deletes bare pods and a deleted pod's token stops working (as the evicted controller
  // would), so the controller's token pod lives on the other node.
  const [node, other] = await cluster.createNodes(2, { prefix: 'rig' });
  if (!node || !other) throw new Error('no nodes');
  // The agent's token is bound to the DaemonSet's own pod on its node, which the drain leaves alone.
  const agentPodName = await waitFor(
    async () => (await cluster.podsOnNode('kreboot', node, { 'app.kubernetes.io/component': 'agent' }))[0],
    { timeoutMs: 60_000, what: `the kreboot-agent DaemonSet pod on ${node}` },
  );
  const agentPod = await cluster.core.readNamespacedPod({ namespace: 'kreboot', name: agentPodName });
  const controllerPod = await createPinnedPod(cluster.kc, 'kreboot', `controller-${other}`, 'kreboot-controller', other);
  const agent = await serviceAccountIdentity(cluster.kc, 'kreboot', 'kreboot-agent', join(dir, 'agent.kubeconfig'), agentPod);
  const controller = await serviceAccountIdentity(
    cluster.kc,
    'kreboot',
    'kreboot-controller',
    join(dir, 'controller.kubeconfig'),
    controllerPod,
  );

  const sentinel = join(dir, 'reboot-required');
  const bootId = join(dir, 'boot_id');
  writeFileSync(bootId, 'boot-before\n');
  const nsenter = script(dir, 'nsenter', 'shift; [ "$1" = "--" ] && shift; exec "$@"');
  // The sentinel goes first: a check between the two writes must not see the new boot ID with the
  // sentinel still set, which the controller rightly takes for a reboot that did not help.
  const reboot = script(dir, 'reboot', `rm -f '${sentinel}'; echo boot-after > '${bootId}'`);
  const webhookTokenFile = join(dir, 'webhook-token');
  writeFileSync(webhookTokenFile, 'webhook-secret\n');
  writeFileSync(join(dir, 'admin-token'), 'admin-secret\n');
  const agentPort = await freePort();
  const controllerPort = await freePort();
  const processes: ManagedProcess[] = [];
  const cli = join(ROOT, 'src/cli.ts');
  const agentArgs = await shippedAgentArgs();

  const readNode = () => cluster.core.readNode({ name: node });
  return {
    node,
    dir,
    sentinel,
    webhookTokenFile,
    processes,
    agentMetrics: `127.0.0.1:${agentPort}`,
    controllerUrl: `http://127.0.0.1:${controllerPort}`,
    start(controllerArgs = []) {
      processes.push(
        startProcess(
          'agent',
          process.execPath,
          [
            ...agentArgs,
            'agent',
            `--kubeconfig=${agent.kubeconfigPath}`,
            `--node-id=${node}`,
            `--reboot-sentinel=${sentinel}`,
            `--boot-id-file=${bootId}`,
            '--period=1s',
            `--reboot-command=${reboot}`,
            `--nsenter=${nsenter}`,
            '--metrics-host=127.0.0.1',
            `--metrics-port=${agentPort}`,
            '--log-format=json',
          ],
          { logDir: dir },
        ),
      );
      processes.push(
        startProcess(
          'controller',
          process.execPath,
          [
            cli,
            'controller',
            `--kubeconfig=${controller.kubeconfigPath}`,
            '--ds-namespace=kreboot',
            '--ds-name=kreboot-agent',
            `--webhook-token-file=${webhookTokenFile}`,
            `--admin-token-file=${join(dir, 'admin-token')}`,
            '--metrics-host=127.0.0.1',
            `--metrics-port=${controllerPort}`,
            '--pod-name=controller-0',
            '--lease-duration=5s',
            '--log-format=json',
            ...controllerArgs,
          ],
          { logDir: dir },
        ),
      );
    },
    async annotations() {
      return (await readNode()).metadata?.annotations ?? {};
    },
    waitRebooted(timeoutMs = 120_000) {
      return waitFor(
        async () => {
          const seen = await readNode();
          const state = JSON.parse(seen.metadata?.annotations?.['kreboot.dev/state'] ?? '{}') as { phase?: string };
          return state.phase === 'done' && seen.spec?.unschedulable !== true ? seen : undefined;
        },
        { timeoutMs, what: `${node} rebooted, verified and uncordoned` },
      );
    },
    async report() {
      const seen = await readNode();
      const events = await cluster.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${node}` });
      return [
        `node ${node}: unschedulable=${String(seen.spec?.unschedulable)} annotations=${JSON.stringify(seen.metadata?.annotations, null, 2)}`,
        `events:\n${events.items.map((e) => `${e.reason}: ${e.message}`).join('\n')}`,
        ...processes.map((p) => `--- ${p.name}\n${p.tail(80)}`),
        await cluster.dumpLogs({ print: false }),
      ].join('\n');
    },
    async stop() {
      for (const child of processes) await child.stop();
    },
  };
}
