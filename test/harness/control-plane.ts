// Starts a real Kubernetes control plane on loopback: etcd, kube-apiserver (RBAC + Node
// authorization, default admission plugins, real service-account tokens, client-certificate
// identities), kube-controller-manager, kube-scheduler and KWOK (simulated kubelets), or, with
// `realNodes`, no KWOK and an API server that real kubelets in VMs can use (real-cluster.ts). Every
// process runs from the version-keyed binary cache, writes its log into the run folder, and is
// stopped by PID.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binary, REPO_ROOT } from './binaries.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { createClientCert, createPki, type Pki } from './pki.ts';
import { freePorts, isAddressInUse } from './ports.ts';
import { startProcess, type ManagedProcess } from './process.ts';
import { tlsGet } from './tls-fetch.ts';
import { waitFor } from './wait-for.ts';

/** What a test process needs to use a control plane started elsewhere (serialisable). */
export interface ClusterInfo {
  readonly server: string;
  readonly dir: string;
  readonly kubeconfigPath: string;
  readonly caCert: string;
  readonly logs: Readonly<Record<string, string>>;
  readonly pids: Readonly<Record<string, number>>;
}

export interface ControlPlane {
  readonly info: ClusterInfo;
  /** The cluster's CA and identities, to sign more client certificates (real nodes' kubelets). */
  readonly pki: Pki;
  readonly processes: readonly ManagedProcess[];
  stop(): Promise<void>;
}

/** KWOK manages only nodes carrying this annotation, so a test can also add nodes nobody manages. */
export const KWOK_NODE_ANNOTATION = { key: 'kwok.x-k8s.io/node', value: 'fake' } as const;

async function startEtcd(dir: string, logDir: string): Promise<{ proc: ManagedProcess; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const [client, peer] = await freePorts(2);
    const url = `http://127.0.0.1:${client}`;
    const proc = startProcess(
      'etcd',
      binary('etcd'),
      [
        '--name=kreboot',
        `--data-dir=${join(dir, 'etcd')}`,
        `--listen-client-urls=${url}`,
        `--advertise-client-urls=${url}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=kreboot=http://127.0.0.1:${peer}`,
        // Test data is disposable; fsync on a shared disk is most of etcd's latency.
        '--unsafe-no-fsync',
        '--log-level=warn',
      ],
      { logDir },
    );
    try {
      await waitFor(
        async () => {
          if (!proc.running()) throw new Error(`etcd exited: ${proc.tail(5)}`);
          return (await fetch(`${url}/health`)).ok;
        },
        { timeoutMs: 30_000, intervalMs: 100, what: 'etcd healthy' },
      );
      return { proc, url };
    } catch (error) {
      await proc.stop();
      if (attempt >= 3 || !isAddressInUse(proc.tail(30))) throw error;
    }
  }
}

async function startApiServer(
  dir: string,
  logDir: string,
  pki: Pki,
  etcdUrl: string,
  nodeArgs: readonly string[],
  extraArgs: readonly string[],
): Promise<{ proc: ManagedProcess; server: string }> {
  for (let attempt = 1; ; attempt++) {
    const [port] = await freePorts(1);
    const server = `https://127.0.0.1:${port}`;
    const proc = startProcess(
      'kube-apiserver',
      binary('kube-apiserver'),
      [
        `--etcd-servers=${etcdUrl}`,
        '--bind-address=127.0.0.1',
        '--advertise-address=127.0.0.1',
        `--secure-port=${port}`,
        `--cert-dir=${join(dir, 'apiserver-certs')}`,
        `--tls-cert-file=${pki.serving.cert}`,
        `--tls-private-key-file=${pki.serving.key}`,
        `--client-ca-file=${pki.caCert}`,
        '--authorization-mode=Node,RBAC',
        // The defaults (ServiceAccount, ResourceQuota, ValidatingAdmissionPolicy, ...) stay on; add
        // NodeRestriction as kubeadm does.
        '--enable-admission-plugins=NodeRestriction',
        '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
        `--service-account-key-file=${pki.serviceAccountPub}`,
        `--service-account-signing-key-file=${pki.serviceAccountKey}`,
        '--service-cluster-ip-range=10.96.0.0/16',
        '--allow-privileged=true',
        // There is no kube-proxy or real node network: do not publish 127.0.0.1 as the kubernetes
        // Service's endpoint (Endpoints reject loopback addresses and the reconciler would loop).
        '--endpoint-reconciler-type=none',
        '--profiling=false',
        ...nodeArgs,
        ...extraArgs,
      ],
      { logDir },
    );
    try {
      await waitFor(
        async () => {
          if (!proc.running()) throw new Error(`kube-apiserver exited: ${proc.tail(10)}`);
          const { status } = await tlsGet(`${server}/readyz`, pki.caCert, pki.clients.admin);
          return status === 200;
        },
        { timeoutMs: 90_000, intervalMs: 200, what: 'kube-apiserver /readyz' },
      );
      return { proc, server };
    } catch (error) {
      await proc.stop();
      if (attempt >= 3 || !isAddressInUse(proc.tail(30))) throw error;
    }
  }
}

/** The kubernetes Service's ClusterIP: the first address of --service-cluster-ip-range (10.96.0.0/16). */
const KUBERNETES_SERVICE_IP = '10.96.0.1';

export interface ControlPlaneOptions {
  /** More kube-apiserver flags (benchmarks add an audit log to count a component's requests). */
  readonly extraApiServerArgs?: readonly string[];
  /** More flags for the other components (later flags win): benchmarks at thousands of nodes raise client QPS and slow KWOK's lease heartbeats. */
  readonly extraControllerManagerArgs?: readonly string[];
  readonly extraSchedulerArgs?: readonly string[];
  readonly extraKwokArgs?: readonly string[];
  /** Serve real kubelets (VM nodes) instead of starting KWOK. */
  readonly realNodes?: RealNodesOptions;
}

export interface RealNodesOptions {
  /**
   * The address the nodes reach the API server at (10.0.2.2: QEMU's user-mode network maps it to
   * the host's loopback). It goes into the serving certificate and is published as the kubernetes
   * Service's endpoint, which kube-proxy on the nodes turns 10.96.0.1:443 into.
   */
  readonly advertiseAddress: string;
  /** An EgressSelectorConfiguration: how the API server reaches the kubelets (logs, exec). */
  readonly egressSelectorConfigFile?: string;
}

/** The API server flags that differ for real nodes (later flags win over the defaults). */
function realNodeApiServerArgs(real: RealNodesOptions, dir: string, pki: Pki): string[] {
  // Its own identity towards kubelets (webhook-authorized there): system:masters, as kubeadm's
  // apiserver-kubelet-client was before it got a narrower binding.
  const kubeletClient = createClientCert(join(dir, 'pki'), pki, 'client-apiserver-kubelet', {
    cn: 'kube-apiserver-kubelet-client',
    o: 'system:masters',
  });
  return [
    `--advertise-address=${real.advertiseAddress}`,
    // With a routable advertise address the kubernetes Service gets a real endpoint: pods on the
    // nodes (kreboot's controller and agents) reach the API server through it.
    '--endpoint-reconciler-type=lease',
    `--kubelet-client-certificate=${kubeletClient.cert}`,
    `--kubelet-client-key=${kubeletClient.key}`,
    ...(real.egressSelectorConfigFile ? [`--egress-selector-config-file=${real.egressSelectorConfigFile}`] : []),
  ];
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const dir = mkdtempSync(join(tmpdir(), 'kreboot-cluster-'));
  const logDir = join(dir, 'logs');
  const pkiDir = join(dir, 'pki');
  mkdirSync(logDir);
  mkdirSync(pkiDir);
  const real = options.realNodes;
  // Pods reach the API server through the kubernetes Service (its ClusterIP, the first address of
  // --service-cluster-ip-range), so the certificate names it, as kubeadm's does.
  const pki = createPki(pkiDir, { servingIps: real ? [real.advertiseAddress, KUBERNETES_SERVICE_IP] : [] });
  const processes: ManagedProcess[] = [];
  const stop = async () => {
    // Reverse order: clients first, etcd last, so nothing logs errors about a vanished peer.
    for (const proc of [...processes].reverse()) await proc.stop();
    if (!process.env.KREBOOT_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  };
  try {
    const etcd = await startEtcd(dir, logDir);
    processes.push(etcd.proc);
    const nodeArgs = real ? realNodeApiServerArgs(real, dir, pki) : [];
    const api = await startApiServer(dir, logDir, pki, etcd.url, nodeArgs, options.extraApiServerArgs ?? []);
    processes.push(api.proc);
    const server = api.server;
    const kubeconfig = (name: 'admin' | 'kube-controller-manager' | 'kube-scheduler' | 'kwok') =>
      writeKubeconfig(join(dir, `${name}.kubeconfig`), server, pki.caCert, name, { certPair: pki.clients[name] });
    const kubeconfigPath = kubeconfig('admin');

    processes.push(
      startProcess(
        'kube-controller-manager',
        binary('kube-controller-manager'),
        [
          `--kubeconfig=${kubeconfig('kube-controller-manager')}`,
          // No serving port: nothing scrapes it, and it would need its own delegated auth set-up.
          '--secure-port=0',
          '--leader-elect=false',
          '--controllers=*',
          // Each controller acts as its own ServiceAccount, so RBAC is exercised as in a cluster.
          '--use-service-account-credentials=true',
          `--service-account-private-key-file=${pki.serviceAccountKey}`,
          `--root-ca-file=${pki.caCert}`,
          `--cluster-signing-cert-file=${pki.caCert}`,
          `--cluster-signing-key-file=${pki.caKey}`,
          // Its default (/usr/libexec/kubernetes/...) would be created on the host.
          `--flex-volume-plugin-dir=${join(dir, 'flexvolume')}`,
          '--profiling=false',
          ...(options.extraControllerManagerArgs ?? []),
        ],
        { logDir },
      ),
      startProcess(
        'kube-scheduler',
        binary('kube-scheduler'),
        [
          `--kubeconfig=${kubeconfig('kube-scheduler')}`,
          '--secure-port=0',
          '--leader-elect=false',
          '--profiling=false',
          ...(options.extraSchedulerArgs ?? []),
        ],
        { logDir },
      ),
    );
    if (!real) {
      processes.push(
        startProcess(
          'kwok',
          binary('kwok'),
          [
            `--kubeconfig=${kubeconfig('kwok')}`,
            `--config=${join(REPO_ROOT, 'test/cluster/kwok/stages.yaml')}`,
            '--manage-all-nodes=false',
            `--manage-nodes-with-annotation-selector=${KWOK_NODE_ANNOTATION.key}=${KWOK_NODE_ANNOTATION.value}`,
            // Renew node Leases like a kubelet, so the node lifecycle controller keeps nodes Ready.
            '--node-lease-duration-seconds=40',
            '--cidr=10.244.0.0/16',
            '--node-ip=10.0.0.1',
            ...(options.extraKwokArgs ?? []),
          ],
          { logDir, cwd: dir, env: { HOME: dir } },
        ),
      );
    }
    const info: ClusterInfo = {
      server,
      dir,
      kubeconfigPath,
      caCert: pki.caCert,
      logs: Object.fromEntries(processes.map((p) => [p.name, p.logPath])),
      pids: Object.fromEntries(processes.map((p) => [p.name, p.pid])),
    };
    writeFileSync(join(dir, 'cluster.json'), JSON.stringify(info, null, 2));
    await waitForControllers(info, processes);
    return { info, pki, processes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The control plane is usable once the controllers work: the ServiceAccount controller has made
 * `default` in the default namespace (pods are refused without it) and the root CA is published.
 */
async function waitForControllers(info: ClusterInfo, processes: readonly ManagedProcess[]): Promise<void> {
  const pki = { cert: join(info.dir, 'pki/client-admin.crt'), key: join(info.dir, 'pki/client-admin.key') };
  await waitFor(
    async () => {
      for (const proc of processes) if (!proc.running()) throw new Error(`${proc.name} exited: ${proc.tail(10)}`);
      const sa = await tlsGet(`${info.server}/api/v1/namespaces/default/serviceaccounts/default`, info.caCert, pki);
      const ca = await tlsGet(`${info.server}/api/v1/namespaces/default/configmaps/kube-root-ca.crt`, info.caCert, pki);
      return sa.status === 200 && ca.status === 200;
    },
    { timeoutMs: 90_000, intervalMs: 200, what: 'kube-controller-manager to create the default ServiceAccount' },
  );
}

/** The last lines of every component's log, for a failing test. */
export function componentLogs(info: ClusterInfo, lines = 30): string {
  return Object.entries(info.logs)
    .map(([name, path]) => {
      let text: string;
      try {
        text = readFileSync(path, 'utf8')
          .split('\n')
          .slice(-lines - 1)
          .join('\n');
      } catch {
        text = '(no log)';
      }
      return `--- ${name} (${path}) ---\n${text}`;
    })
    .join('\n');
}
