// The Kubernetes API calls the controller's decision loop makes, as one narrow interface. The
// production implementation wraps @kubernetes/client-node; the deterministic simulation
// (test/sim/) implements the same interface on its in-memory model of the API, so the loop,
// policy, runner and steps it exercises are the code that ships. Errors keep the API's shape:
// anything thrown carries the HTTP status as `code` (409 conflict, 404 gone, 429 budget).

import {
  AppsV1Api,
  CoreV1Api,
  PolicyV1Api,
  type KubeConfig,
  type CoreV1Event,
  type V1DaemonSet,
  type V1Node,
  type V1Pod,
  type V1PodDisruptionBudget,
} from '@kubernetes/client-node';
import { MERGE_PATCH } from '../kube/patch.ts';

/** A JSON merge patch; a `metadata.resourceVersion` in it makes the write optimistic. */
type MergePatch = object;

interface DeleteOptions {
  readonly gracePeriodSeconds?: number;
}

export interface ClusterApi {
  readNode(name: string): Promise<V1Node>;
  patchNode(name: string, patch: MergePatch): Promise<V1Node>;
  /** The pods bound to a node, optionally filtered by a label selector. */
  listPodsOnNode(node: string, labelSelector?: string): Promise<V1Pod[]>;
  /** Eviction API: 429 while a PodDisruptionBudget forbids it. */
  evictPod(namespace: string, name: string, options: DeleteOptions): Promise<void>;
  deletePod(namespace: string, name: string, options: DeleteOptions): Promise<void>;
  /** A namespace's PodDisruptionBudgets, read only when an eviction was refused (drain.ts). */
  listPodDisruptionBudgets(namespace: string): Promise<V1PodDisruptionBudget[]>;
  readDaemonSet(namespace: string, name: string): Promise<V1DaemonSet>;
  patchDaemonSet(namespace: string, name: string, patch: MergePatch): Promise<V1DaemonSet>;
  createEvent(namespace: string, event: CoreV1Event): Promise<void>;
}

export function createClusterApi(kc: KubeConfig): ClusterApi {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  return {
    readNode: (name) => core.readNode({ name }),
    patchNode: (name, body) => core.patchNode({ name, body }, MERGE_PATCH),
    async listPodsOnNode(node, labelSelector) {
      const list = await core.listPodForAllNamespaces({
        fieldSelector: `spec.nodeName=${node}`,
        ...(labelSelector ? { labelSelector } : {}),
      });
      return list.items;
    },
    async evictPod(namespace, name, deleteOptions) {
      await core.createNamespacedPodEviction({
        name,
        namespace,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, deleteOptions },
      });
    },
    async deletePod(namespace, name, options) {
      await core.deleteNamespacedPod({ name, namespace, ...options });
    },
    async listPodDisruptionBudgets(namespace) {
      return (await policy.listNamespacedPodDisruptionBudget({ namespace })).items;
    },
    readDaemonSet: (namespace, name) => apps.readNamespacedDaemonSet({ namespace, name }),
    patchDaemonSet: (namespace, name, body) => apps.patchNamespacedDaemonSet({ namespace, name, body }, MERGE_PATCH),
    async createEvent(namespace, body) {
      await core.createNamespacedEvent({ namespace, body });
    },
  };
}
