// The test-facing API of the local Kubernetes control plane. One control plane runs per test run
// (started by global-setup.ts); startCluster() attaches to it, or starts a private one when a test
// file runs alone. Each handle gives its test fresh namespace and node names, helpers to create
// nodes and workloads and wait for them, real ServiceAccount credentials, and component logs.

import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  PolicyV1Api,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type V1PolicyRule,
} from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clusterInfoFile } from './cluster-info.ts';
import { componentLogs, startControlPlane, type ClusterInfo, type ControlPlaneOptions } from './control-plane.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { waitFor, type WaitOptions } from './wait-for.ts';
import {
  daemonSetObject,
  deploymentObject,
  nodeObject,
  pdbObject,
  podObject,
  type DeploymentOptions,
  type NodeOptions,
  type PdbOptions,
  type PodOptions,
} from './workloads.ts';
import { describeNode } from './describe-node.ts';
import { waitForDaemonSet, waitForDeployment, waitForNodesReady, waitForPdbObserved, waitForPodRunning } from './readiness.ts';

export { waitFor } from './wait-for.ts';
export { NODE_GROUP_LABEL, ZONE_LABEL } from './workloads.ts';

export interface Cluster {
  readonly server: string;
  /** Admin kubeconfig file (system:masters); pass it to processes under test. */
  readonly kubeconfigPath: string;
  /** Admin client configuration. */
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly apps: AppsV1Api;
  readonly policy: PolicyV1Api;
  readonly rbac: RbacAuthorizationV1Api;
  readonly info: ClusterInfo;
  /** A unique DNS-1123 name: `<prefix>-<random>`. */
  uniqueName(prefix?: string): string;
  /** Creates a fresh namespace (with its default ServiceAccount) and returns its name. */
  newNamespace(prefix?: string): Promise<string>;
  /** Creates `count` KWOK nodes, waits until they are Ready and untainted, returns their names. */
  createNodes(count: number, options?: NodeOptions): Promise<string[]>;
  deleteNodes(names: readonly string[]): Promise<void>;
  createDeployment(namespace: string, name: string, options?: DeploymentOptions & { wait?: boolean }): Promise<void>;
  createDaemonSet(namespace: string, name: string, options?: PodOptions & { wait?: boolean }): Promise<void>;
  createBarePod(namespace: string, name: string, options?: PodOptions & { wait?: boolean }): Promise<void>;
  /** Creates a PDB and waits until the disruption controller has computed its status. */
  createPdb(namespace: string, name: string, options: PdbOptions & { wait?: boolean }): Promise<void>;
  /** Sets spec.unschedulable (what `kubectl cordon`/`uncordon` do). */
  setUnschedulable(nodeName: string, unschedulable: boolean): Promise<void>;
  /** Asks the Eviction API to evict a pod; resolves with the HTTP status (201 evicted, 429 refused by a PDB). */
  evict(namespace: string, podName: string): Promise<number>;
  /** Names of the pods in `namespace` (matching `selector`) bound to `nodeName`. */
  podsOnNode(namespace: string, nodeName: string, selector?: Record<string, string>): Promise<string[]>;
  /** Gives a ServiceAccount (created if missing) these rules, in its namespace or cluster-wide. */
  grant(namespace: string, serviceAccount: string, rules: V1PolicyRule[], scope?: 'namespace' | 'cluster'): Promise<void>;
  /** A kubeconfig file authenticating as the ServiceAccount with a real token (TokenRequest API). */
  serviceAccountKubeconfig(namespace: string, serviceAccount: string, options?: { expirationSeconds?: number }): Promise<string>;
  /** Same as serviceAccountKubeconfig. */
  tokenKubeconfig(namespace: string, serviceAccount: string): Promise<string>;
  waitFor<T>(check: () => T | Promise<T>, options?: WaitOptions): Promise<Exclude<T, undefined | false>>;
  /**
   * Component log tails, the state and Events of the given nodes, and the Events of the given
   * namespaces (default: this handle's nodes and namespaces); printed to stderr unless print: false.
   */
  dumpLogs(options?: { lines?: number; namespaces?: readonly string[]; nodes?: readonly string[]; print?: boolean }): Promise<string>;
  /** Attached: deletes this handle's namespaces and nodes. Owner: stops every component. */
  stop(): Promise<void>;
}

/** Starts or attaches to the run's control plane. */
export async function startCluster(): Promise<Cluster> {
  const shared = clusterInfoFile();
  if (shared && existsSync(shared)) return clusterHandle(JSON.parse(readFileSync(shared, 'utf8')) as ClusterInfo, undefined);
  const controlPlane = await startControlPlane();
  return clusterHandle(controlPlane.info, () => controlPlane.stop());
}

/**
 * A control plane of this test file's own, with options the shared one does not have (an egress
 * selector for the API server's service proxy); stop() stops it.
 */
export async function startPrivateCluster(options: ControlPlaneOptions): Promise<Cluster> {
  const controlPlane = await startControlPlane(options);
  return clusterHandle(controlPlane.info, () => controlPlane.stop());
}

export function statusCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

function clusterHandle(info: ClusterInfo, stopOwned: (() => Promise<void>) | undefined): Cluster {
  const kc = new KubeConfig();
  kc.loadFromFile(info.kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const namespaces: string[] = [];
  const nodes: string[] = [];
  const kubeconfigDir = join(tmpdir(), `kreboot-kubeconfigs-${process.pid}`);
  const uniqueName = (prefix = 't') => `${prefix}-${randomBytes(3).toString('hex')}`.toLowerCase();

  const ensureServiceAccount = async (namespace: string, name: string) => {
    try {
      await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name, namespace } } });
    } catch (error) {
      if (statusCode(error) !== 409) throw error;
    }
  };

  const cluster: Cluster = {
    server: info.server,
    kubeconfigPath: info.kubeconfigPath,
    kc,
    core,
    apps,
    policy,
    rbac,
    info,
    uniqueName,
    waitFor,
    async newNamespace(prefix = 'test') {
      const name = uniqueName(prefix);
      await core.createNamespace({ body: { metadata: { name, labels: { 'kreboot.dev/test': 'true' } } } });
      namespaces.push(name);
      // Pods are refused until the ServiceAccount controller has made "default".
      await waitFor(() => core.readNamespacedServiceAccount({ namespace: name, name: 'default' }).then(() => true), {
        timeoutMs: 30_000,
        what: `ServiceAccount default in ${name}`,
      });
      return name;
    },
    async createNodes(count, options = {}) {
      const group = uniqueName(options.prefix ?? 'node');
      const names = Array.from({ length: count }, (_, i) => `${group}-${i}`);
      for (const [i, name] of names.entries()) {
        await core.createNode({ body: nodeObject(name, group, i, options) });
        nodes.push(name);
      }
      if (options.managed !== false) await waitForNodesReady(core, names);
      return names;
    },
    async deleteNodes(names) {
      for (const name of names) {
        await core.deleteNode({ name }).catch((error: unknown) => {
          if (statusCode(error) !== 404) throw error;
        });
      }
    },
    async createDeployment(namespace, name, options = {}) {
      const body = deploymentObject(namespace, name, options);
      await apps.createNamespacedDeployment({ namespace, body });
      if (options.wait !== false) await waitForDeployment(apps, namespace, name);
    },
    async createDaemonSet(namespace, name, options = {}) {
      await apps.createNamespacedDaemonSet({ namespace, body: daemonSetObject(namespace, name, options) });
      if (options.wait !== false) await waitForDaemonSet(apps, namespace, name);
    },
    async createBarePod(namespace, name, options = {}) {
      await core.createNamespacedPod({ namespace, body: podObject(namespace, name, options) });
      if (options.wait !== false) await waitForPodRunning(core, namespace, name);
    },
    async createPdb(namespace, name, options) {
      await policy.createNamespacedPodDisruptionBudget({ namespace, body: pdbObject(namespace, name, options) });
      if (options.wait !== false) await waitForPdbObserved(policy, namespace, name);
    },
    async setUnschedulable(name, unschedulable) {
      await core.patchNode({ name, body: { spec: { unschedulable } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
    },
    async evict(namespace, name) {
      try {
        await core.createNamespacedPodEviction({
          namespace,
          name,
          body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
        });
        return 201;
      } catch (error) {
        const code = statusCode(error);
        if (code === undefined) throw error;
        return code;
      }
    },
    async podsOnNode(namespace, nodeName, selector) {
      const labelSelector = selector
        ? Object.entries(selector)
            .map(([k, v]) => `${k}=${v}`)
            .join(',')
        : undefined;
      const pods = await core.listNamespacedPod({ namespace, fieldSelector: `spec.nodeName=${nodeName}`, labelSelector });
      return pods.items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!);
    },
    async grant(namespace, serviceAccount, rules, scope = 'namespace') {
      await ensureServiceAccount(namespace, serviceAccount);
      const name = uniqueName(`${serviceAccount}-grant`);
      const subjects = [{ kind: 'ServiceAccount', name: serviceAccount, namespace }];
      if (scope === 'cluster') {
        await rbac.createClusterRole({ body: { metadata: { name }, rules } });
        await rbac.createClusterRoleBinding({
          body: { metadata: { name }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name }, subjects },
        });
      } else {
        await rbac.createNamespacedRole({ namespace, body: { metadata: { name, namespace }, rules } });
        await rbac.createNamespacedRoleBinding({
          namespace,
          body: { metadata: { name, namespace }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name }, subjects },
        });
      }
    },
    async serviceAccountKubeconfig(namespace, serviceAccount, options = {}) {
      await ensureServiceAccount(namespace, serviceAccount);
      const request = await core.createNamespacedServiceAccountToken({
        namespace,
        name: serviceAccount,
        body: { spec: { audiences: [], expirationSeconds: options.expirationSeconds ?? 3600 } },
      });
      const token = request.status?.token;
      if (!token) throw new Error(`TokenRequest for ${namespace}/${serviceAccount} returned no token`);
      mkdirSync(kubeconfigDir, { recursive: true });
      return writeKubeconfig(
        join(kubeconfigDir, `${namespace}-${serviceAccount}-${uniqueName('kc')}.kubeconfig`),
        info.server,
        info.caCert,
        `${namespace}-${serviceAccount}`,
        { token },
      );
    },
    tokenKubeconfig(namespace, serviceAccount) {
      return cluster.serviceAccountKubeconfig(namespace, serviceAccount);
    },
    async dumpLogs(options = {}) {
      const parts = [componentLogs(info, options.lines ?? 40)];
      for (const name of options.nodes ?? nodes) parts.push(await describeNode(core, name));
      for (const namespace of options.namespaces ?? namespaces) {
        try {
          const events = await core.listNamespacedEvent({ namespace });
          const lines = events.items.map(
            (e) =>
              `${e.lastTimestamp?.toISOString() ?? e.eventTime ?? ''} ${e.type} ${e.involvedObject.kind}/${e.involvedObject.name} ${e.reason}: ${e.message}`,
          );
          parts.push(`--- events in ${namespace} ---\n${lines.join('\n')}`);
        } catch (error) {
          parts.push(`--- events in ${namespace}: ${(error as Error).message} ---`);
        }
      }
      const text = parts.join('\n');
      if (options.print !== false) process.stderr.write(`${text}\n`);
      return text;
    },
    async stop() {
      if (stopOwned) {
        await stopOwned();
        return;
      }
      // Attached to the shared control plane: remove what this handle made so later test files
      // (and controllers under test that watch every node) do not see it. Namespaces finish
      // deleting in the background.
      await cluster.deleteNodes(nodes.splice(0));
      for (const name of namespaces.splice(0)) await core.deleteNamespace({ name }).catch(() => undefined);
    },
  };
  return cluster;
}
