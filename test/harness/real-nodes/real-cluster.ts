// A cluster of real nodes: a private control plane on loopback that real kubelets can use
// (control-plane.ts with realNodes) and N VM nodes (vm-node.ts) started side by side, each with its
// own kubelet identity, returned once every Node is Ready. For the tests and the demo that need
// what KWOK cannot give: real pods, a real graceful node shutdown, a real reboot.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { componentLogs, startControlPlane, type ClusterInfo, type ControlPlane } from '../control-plane.ts';
import { startKubeletProxy, writeEgressSelectorConfig, type KubeletProxy } from './kubelet-proxy.ts';
import { createClientCert } from '../pki.ts';
import { tlsGet } from '../tls-fetch.ts';
import { GUEST_ADDRESS, HOST_ADDRESS, startVmNode, vmNodeImageDir, type VmNode } from './vm-node.ts';
import { waitFor } from '../wait-for.ts';

export interface RealClusterOptions {
  /** How many VM nodes (default 2), named kreboot-vm-0, kreboot-vm-1, … */
  readonly nodes?: number;
  /** OCI image archives every node imports (the kreboot image, say). */
  readonly images?: readonly string[];
  readonly memoryMiB?: number;
  /** Progress lines during the long set-up and later boots ("node kreboot-vm-0: Ready 104 s"). */
  readonly onProgress?: (line: string) => void;
  /** How long to wait for every node to be Ready (default 15 min: TCG on a busy 2-core machine). */
  readonly readyTimeoutMs?: number;
}

export interface RealCluster {
  /** The control plane's info; its logs include each VM's console log. */
  readonly info: ClusterInfo;
  readonly kubeconfigPath: string;
  readonly nodes: readonly VmNode[];
  /** For a failing test: component log tails (the consoles among them), and per node its conditions and the kubelet's journal. */
  report(): Promise<string>;
  /** Stops the VMs, then the control plane, by PID. */
  stop(): Promise<void>;
}

async function describeNodes(info: ClusterInfo, nodes: readonly VmNode[]): Promise<string> {
  const parts = [componentLogs(info, 40)];
  for (const node of nodes) {
    parts.push(
      `--- ${node.name}: ${JSON.stringify(await nodeState(info, node.name).catch(() => undefined))}, boots ${node.boots.join(', ')} ---`,
    );
    const journal = await node
      .exec(['journalctl', '--no-pager', '-n', '60', '-u', 'kubelet', '-u', 'containerd'], { timeoutMs: 15_000 })
      .catch((error: Error) => ({ stdout: `(guest agent: ${error.message})`, stderr: '' }));
    parts.push(journal.stdout + journal.stderr);
  }
  return parts.join('\n');
}

export const VM_NODE_PREFIX = 'kreboot-vm-';

/** A Node's Ready condition and boot ID, read with the admin certificate. */
export async function nodeState(info: ClusterInfo, name: string): Promise<{ ready: string; reason: string; bootId: string } | undefined> {
  const admin = { cert: join(info.dir, 'pki/client-admin.crt'), key: join(info.dir, 'pki/client-admin.key') };
  const { status, body } = await tlsGet(`${info.server}/api/v1/nodes/${name}`, info.caCert, admin);
  if (status !== 200) return undefined;
  const node = JSON.parse(body) as {
    status?: { conditions?: { type: string; status: string; reason?: string }[]; nodeInfo?: { bootID?: string } };
  };
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  return { ready: ready?.status ?? 'Unknown', reason: ready?.reason ?? '', bootId: node.status?.nodeInfo?.bootID ?? '' };
}

export async function startRealCluster(options: RealClusterOptions = {}): Promise<RealCluster> {
  const count = options.nodes ?? 2;
  const report = options.onProgress ?? (() => {});
  const started = Date.now();
  const seconds = () => `${Math.round((Date.now() - started) / 1000)} s`;
  // Build (or find) the node image before anything runs: a cold build takes minutes.
  const image = vmNodeImageDir();
  report(`VM node image: ${image}`);
  const dir = mkdtempSync(join(tmpdir(), 'kreboot-real-'));
  let proxy: KubeletProxy | undefined;
  let controlPlane: ControlPlane | undefined;
  const nodes: VmNode[] = [];
  const stop = async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    await controlPlane?.stop();
    await proxy?.close();
    if (!process.env.KREBOOT_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  };
  try {
    proxy = await startKubeletProxy(join(dir, 'kubelet-proxy.sock'), GUEST_ADDRESS);
    controlPlane = await startControlPlane({
      realNodes: {
        advertiseAddress: HOST_ADDRESS,
        egressSelectorConfigFile: writeEgressSelectorConfig(join(dir, 'egress-selector.json'), proxy.socketPath),
      },
    });
    const cp = controlPlane;
    report(`control plane up at ${cp.info.server} ${seconds()}`);
    const apiServerPort = Number(new URL(cp.info.server).port);
    const pkiDir = join(dir, 'pki');
    mkdirSync(pkiDir);
    const kubeProxy = createClientCert(pkiDir, cp.pki, 'kube-proxy', { cn: 'system:kube-proxy' });
    const names = Array.from({ length: count }, (_, index) => `${VM_NODE_PREFIX}${index}`);
    const started_ = await Promise.allSettled(
      names.map((name, index) =>
        startVmNode({
          name,
          index,
          dir: join(dir, name),
          apiServerPort,
          credentials: {
            caCert: cp.info.caCert,
            // The identity the Node authorizer and NodeRestriction tie to this one Node.
            kubelet: createClientCert(pkiDir, cp.pki, `kubelet-${name}`, { cn: `system:node:${name}`, o: 'system:nodes' }),
            kubeProxy,
          },
          images: options.images ?? [],
          memoryMiB: options.memoryMiB,
          onProgress: report,
        }),
      ),
    );
    for (const result of started_) if (result.status === 'fulfilled') nodes.push(result.value);
    const failed = started_.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    for (const node of nodes) proxy.route(node.name, node.kubeletPort, node.kubeletHostPort);

    await Promise.all(
      nodes.map(async (node) => {
        await waitFor(
          async () => {
            if (!node.running()) throw new Error(`QEMU of ${node.name} exited`);
            return (await nodeState(cp.info, node.name))?.ready === 'True';
          },
          { timeoutMs: options.readyTimeoutMs ?? 15 * 60_000, intervalMs: 1_000, what: `node ${node.name} Ready` },
        );
        report(`node ${node.name}: Ready ${seconds()}`);
      }),
    );
    const consoles = Object.fromEntries(nodes.map((node) => [`console-${node.name}`, node.consoleLog]));
    const info: ClusterInfo = { ...cp.info, logs: { ...cp.info.logs, ...consoles } };
    report(`real cluster ready: ${count} node(s) in ${seconds()}`);
    return { info, kubeconfigPath: cp.info.kubeconfigPath, nodes, report: () => describeNodes(info, nodes), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
