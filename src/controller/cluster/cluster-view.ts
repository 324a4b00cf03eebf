// The controller's watch-fed view of the cluster: every Node, and the one DaemonSet that holds the
// lock. Informers (list once, then watch) keep it current, so a decision cycle reads memory, not
// the API server, and cost does not grow with polling. `onChange` fires only for changes that can
// alter a decision (kreboot annotations, schedulability, readiness, existence), not for heartbeats.

import { AppsV1Api, CoreV1Api, ListWatch, Watch, type KubeConfig, type V1DaemonSet, type V1Node } from '@kubernetes/client-node';
import { KUBE_CALL_DEADLINE_MS, withDeadline } from '../../kube/call-deadline.ts';
import type { Logger } from '../../log/logger.ts';
import { isReady } from '../policy/observed-node.ts';
import { listSlimNodes, NODE_ANNOTATION_PREFIXES, slimNode } from './slim-node.ts';

export interface ClusterView {
  nodes(): readonly V1Node[];
  node(name: string): V1Node | undefined;
  daemonSet(): V1DaemonSet | undefined;
  /** True once both informers have listed. */
  synced(): boolean;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The part of a Node a decision depends on; a change elsewhere (heartbeats) is ignored. */
export function fingerprint(node: V1Node | undefined): string {
  if (!node) return '';
  const annotations = Object.entries(node.metadata?.annotations ?? {})
    .filter(([key]) => NODE_ANNOTATION_PREFIXES.some((prefix) => key.startsWith(prefix)))
    .sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([
    node.spec?.unschedulable === true,
    isReady(node),
    annotations,
    node.metadata?.labels ?? {},
    node.spec?.taints ?? [],
  ]);
}

export function createClusterView(options: {
  kc: KubeConfig;
  dsNamespace: string;
  dsName: string;
  nodeSelector: string;
  log: Logger;
  onChange: (reason: string) => void;
  /** Total deadline of each list page (the watches after it are bounded by the client's idle timeout). */
  listTimeoutMs?: number;
}): ClusterView {
  const { kc, dsNamespace, dsName, log, onChange } = options;
  const listDeadline = () => withDeadline(options.listTimeoutMs ?? KUBE_CALL_DEADLINE_MS);
  const nodeSelector = options.nodeSelector === '' ? undefined : options.nodeSelector;
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  const watch = new Watch(kc);
  // client-node ends a watch after 30 s without data and ListWatch re-establishes it: on a quiet
  // cluster that is a request every 30 s per informer for nothing. Two minutes still notices a
  // dead connection reasonably soon. The field is private in the typings but public at run time;
  // should a release rename it, the assignment is simply ignored and the 30 s default applies.
  (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = 120_000;
  const fingerprints = new Map<string, string>();
  let nodesListed = false;
  let dsListed = false;

  // The node informer caches slim copies (slim-node.ts): lists arrive page by page and every watch
  // event is slimmed before ListWatch stores it. ListWatch needs only watch() of its Watch.
  const slimWatch = {
    watch: (
      path: string,
      params: Record<string, string | number | boolean | undefined>,
      callback: (phase: string, object: unknown, watchObject?: unknown) => void,
      done: (err: unknown) => void,
    ) =>
      watch.watch(
        path,
        params,
        (phase, object, watchObject) =>
          callback(
            phase,
            phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? slimNode(object as V1Node) : object,
            watchObject,
          ),
        done,
      ),
  } as unknown as Watch;
  const nodeInformer = new ListWatch<V1Node>(
    '/api/v1/nodes',
    slimWatch,
    () => listSlimNodes((page) => core.listNode({ ...page, ...(nodeSelector ? { labelSelector: nodeSelector } : {}) }, listDeadline())),
    false,
    nodeSelector,
  );
  const dsInformer = new ListWatch<V1DaemonSet>(
    `/apis/apps/v1/namespaces/${dsNamespace}/daemonsets`,
    watch,
    () => apps.listNamespacedDaemonSet({ namespace: dsNamespace, fieldSelector: `metadata.name=${dsName}` }, listDeadline()),
    false,
    undefined,
    `metadata.name=${dsName}`,
  );

  const nodeChanged = (node: V1Node) => {
    const name = node.metadata?.name ?? '';
    const next = fingerprint(node);
    if (fingerprints.get(name) === next) return;
    fingerprints.set(name, next);
    onChange(`node ${name}`);
  };
  nodeInformer.on('add', nodeChanged);
  nodeInformer.on('update', nodeChanged);
  nodeInformer.on('delete', (node) => {
    fingerprints.delete(node.metadata?.name ?? '');
    onChange(`node ${node.metadata?.name} deleted`);
  });
  dsInformer.on('change', () => onChange('lock DaemonSet'));

  // ListWatch emits 'error' and stops when a list or watch fails with anything but 410/timeout;
  // it must be started again. One back-off per informer, reset by a successful start.
  let stopped = false;
  const keepRunning = (informer: ListWatch<V1Node> | ListWatch<V1DaemonSet>, what: string, listed: () => void) => {
    let delayMs = 500;
    let failedDuringStart = false;
    informer.on('error', (error: unknown) => {
      failedDuringStart = true;
      if (stopped) return;
      log.warn({ err: error, what, retryInMs: delayMs }, 'watch failed; restarting');
      setTimeout(() => void begin(), delayMs).unref();
      delayMs = Math.min(delayMs * 2, 30_000);
    });
    const begin = async () => {
      if (stopped) return;
      failedDuringStart = false;
      await informer.start();
      if (!failedDuringStart) {
        delayMs = 500;
        listed();
        onChange(`${what} listed`);
      }
    };
    return begin;
  };
  const startNodes = keepRunning(nodeInformer, 'nodes', () => (nodesListed = true));
  const startDaemonSet = keepRunning(dsInformer, 'lock DaemonSet', () => (dsListed = true));

  return {
    nodes: () => nodeInformer.list(),
    node: (name) => nodeInformer.get(name),
    daemonSet: () => dsInformer.get(dsName, dsNamespace),
    synced: () => nodesListed && dsListed,
    async start() {
      stopped = false;
      await Promise.all([startNodes(), startDaemonSet()]);
    },
    async stop() {
      stopped = true;
      await Promise.all([nodeInformer.stop(), dsInformer.stop()]);
    },
  };
}
