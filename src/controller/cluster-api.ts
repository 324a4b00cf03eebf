// The Kubernetes API calls the controller's decision loop makes, as one narrow interface. The
// production implementation wraps @kubernetes/client-node; the deterministic simulation
// (test/sim/) implements the same interface on its in-memory model of the API, so the loop,
// policy, runner and steps it exercises are the code that ships. Errors keep the API's shape:
// anything thrown carries the HTTP status as `code` (409 conflict, 404 gone, 429 budget).
// Every call has a total deadline (call-deadline.ts): a hung API server fails the call, and the
// cycle retries, rather than holding the cycle while this replica keeps its Lease.

import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  PolicyV1Api,
  type KubeConfig,
  type CoreV1Event,
  type V1DaemonSet,
  type V1Job,
  type V1Node,
  type V1Pod,
  type V1PodDisruptionBudget,
} from '@kubernetes/client-node';
import { isDeadlineError, KUBE_CALL_DEADLINE_MS, withDeadline } from '../kube/call-deadline.ts';
import { MERGE_PATCH } from '../kube/patch.ts';
import { listSlimNodes } from './cluster/slim-node.ts';

/** A JSON merge patch; a `metadata.resourceVersion` in it makes the write optimistic. */
type MergePatch = object;

interface DeleteOptions {
  readonly gracePeriodSeconds?: number;
}

export interface ClusterApi {
  readNode(name: string): Promise<V1Node>;
  /**
   * The Nodes as the API server has them now (paged, slimmed like the informer's copies): what a
   * cycle checks its watch-fed view against when that view may lag (reconciler.ts).
   */
  listNodes(labelSelector?: string): Promise<V1Node[]>;
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
  /** Hook Jobs (ADR 0019), in the controller's namespace: create (409 if the name exists), read (404), delete. */
  createJob(namespace: string, job: V1Job): Promise<V1Job>;
  readJob(namespace: string, name: string): Promise<V1Job>;
  deleteJob(namespace: string, name: string): Promise<void>;
}

export interface ClusterApiOptions {
  /** The total deadline of each call (default KUBE_CALL_DEADLINE_MS). */
  readonly callTimeoutMs?: number;
}

export function createClusterApi(kc: KubeConfig, options: ClusterApiOptions = {}): ClusterApi {
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const deadlineMs = options.callTimeoutMs ?? KUBE_CALL_DEADLINE_MS;
  const plain = withDeadline(deadlineMs);
  const mergePatch = withDeadline(deadlineMs, MERGE_PATCH);
  /** The call, its deadline's abort said in words (fetch's own message is "The operation was aborted due to timeout"). */
  const bounded = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (isDeadlineError(error))
        throw new Error(`Kubernetes API: ${what}: no complete answer within the ${deadlineMs} ms deadline`, { cause: error });
      throw error;
    }
  };
  return {
    readNode: (name) => bounded(`reading node ${name}`, () => core.readNode({ name }, plain)),
    listNodes: (labelSelector) =>
      bounded('listing the nodes', async () => {
        const list = await listSlimNodes((page) => core.listNode({ ...page, ...(labelSelector ? { labelSelector } : {}) }, plain));
        return list.items;
      }),
    patchNode: (name, body) => bounded(`patching node ${name}`, () => core.patchNode({ name, body }, mergePatch)),
    listPodsOnNode: (node, labelSelector) =>
      bounded(`listing the pods on ${node}`, async () => {
        const list = await core.listPodForAllNamespaces(
          { fieldSelector: `spec.nodeName=${node}`, ...(labelSelector ? { labelSelector } : {}) },
          plain,
        );
        return list.items;
      }),
    evictPod: (namespace, name, deleteOptions) =>
      bounded(`evicting ${namespace}/${name}`, async () => {
        await core.createNamespacedPodEviction(
          { name, namespace, body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace }, deleteOptions } },
          plain,
        );
      }),
    deletePod: (namespace, name, options) =>
      bounded(`deleting ${namespace}/${name}`, async () => {
        await core.deleteNamespacedPod({ name, namespace, ...options }, plain);
      }),
    listPodDisruptionBudgets: (namespace) =>
      bounded(
        `listing the PodDisruptionBudgets of ${namespace}`,
        async () => (await policy.listNamespacedPodDisruptionBudget({ namespace }, plain)).items,
      ),
    readDaemonSet: (namespace, name) =>
      bounded(`reading DaemonSet ${namespace}/${name}`, () => apps.readNamespacedDaemonSet({ namespace, name }, plain)),
    patchDaemonSet: (namespace, name, body) =>
      bounded(`patching DaemonSet ${namespace}/${name}`, () => apps.patchNamespacedDaemonSet({ namespace, name, body }, mergePatch)),
    createEvent: (namespace, body) =>
      bounded(`creating an Event in ${namespace}`, async () => {
        await core.createNamespacedEvent({ namespace, body }, plain);
      }),
    createJob: (namespace, body) =>
      bounded(`creating Job ${namespace}/${body.metadata?.name}`, () => batch.createNamespacedJob({ namespace, body }, plain)),
    readJob: (namespace, name) => bounded(`reading Job ${namespace}/${name}`, () => batch.readNamespacedJob({ namespace, name }, plain)),
    deleteJob: (namespace, name) =>
      bounded(`deleting Job ${namespace}/${name}`, async () => {
        // Background: its pods go too (the default for Jobs orphans them).
        await batch.deleteNamespacedJob({ namespace, name, propagationPolicy: 'Background' }, plain);
      }),
  };
}
