// Watches a real rollout from the API server: every Node and every pod of the workload namespace,
// through informers (list, then watch, re-established by client-node), and checks the safety
// invariants at every event, not at sampled instants: at most `maxOut` nodes out of service
// (cordoned or not Ready), at least `minReady` Ready pods of the budgeted app. It also keeps each
// node's timeline (cordon, reboot command, NotReady, Ready with a new boot ID, uncordon) for the
// figures, and each node's boot IDs in the order the API showed them.

import { readJobStatus } from '../../../src/store/job-records.ts';
import { PHASE_LABEL } from '../../../src/store/keys.ts';
import { CoreV1Api, makeInformer, type Informer, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';

export interface NodeTimeline {
  readonly node: string;
  /** Boot IDs as status.nodeInfo.bootID showed them, each once, in order. */
  readonly bootIds: string[];
  cordonedAt?: number;
  /** Ready pods of each app (label `app`) of the workload namespace when the node was first seen cordoned. */
  readyAtCordon?: ReadonlyMap<string, number>;
  /** `started` in the agent's job status: the reboot command is run right after it is written. */
  rebootCommandAt?: number;
  notReadyAt?: number;
  /** Ready again, with a boot ID other than the first. */
  readyAgainAt?: number;
  uncordonedAt?: number;
  /** The `kreboot.dev/phase` labels seen, in order (the controller's own account). */
  readonly phases: string[];
}

export interface Violation {
  readonly at: number;
  readonly what: string;
}

export interface RolloutRecorder {
  readonly timelines: ReadonlyMap<string, NodeTimeline>;
  readonly violations: readonly Violation[];
  /** The most nodes seen out of service at once, and the fewest Ready pods of the app. */
  readonly mostNodesOut: () => number;
  readonly fewestReady: () => number;
  /** Nodes each pod of `podSelector` (e.g. the controller's) ran on, by pod name. */
  readonly podNodes: ReadonlyMap<string, string>;
  readonly deletedPods: ReadonlySet<string>;
  stop(): Promise<void>;
}

export interface RecorderOptions {
  readonly kc: KubeConfig;
  readonly nodes: readonly string[];
  readonly workloadNamespace: string;
  /** Label value of `app` that the PodDisruptionBudget guards. */
  readonly app: string;
  readonly minReady: number;
  readonly maxOut: number;
  /** Also follow these pods (namespace and label selector), e.g. the controller's replicas. */
  readonly follow?: { readonly namespace: string; readonly labelSelector: string };
  readonly onNote?: (line: string) => void;
}

export function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

function podReady(pod: V1Pod): boolean {
  return !pod.metadata?.deletionTimestamp && pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/** When the agent wrote `started` (it runs the reboot command right after), in the guest's clock. */
function jobStartedAt(node: V1Node): number | undefined {
  const status = readJobStatus(node.metadata?.annotations);
  return status.state === 'ok' && status.value.state === 'started' ? Date.parse(status.value.at) : undefined;
}

/** "web-1 on n1: Running, deleting, Ready=False (ContainersNotReady)": enough to tell an eviction from a failing probe. */
function describePod(pod: V1Pod): string {
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  const container = pod.status?.containerStatuses?.[0];
  return [
    `${pod.metadata?.name} on ${pod.spec?.nodeName ?? '(unscheduled)'}: ${pod.status?.phase}`,
    pod.metadata?.deletionTimestamp ? 'deleting' : '',
    `Ready=${ready?.status ?? '?'}${ready?.reason ? ` (${ready.reason})` : ''}`,
    container ? `restarts ${container.restartCount}` : '',
  ]
    .filter(Boolean)
    .join(', ');
}

export async function startRolloutRecorder(options: RecorderOptions): Promise<RolloutRecorder> {
  const { kc, nodes, workloadNamespace, app, minReady, maxOut, onNote = () => undefined } = options;
  const core = kc.makeApiClient(CoreV1Api);
  const recorderStarted = Date.now();
  const timelines = new Map<string, NodeTimeline>(nodes.map((node) => [node, { node, bootIds: [], phases: [] }]));
  const violations: Violation[] = [];
  const podNodes = new Map<string, string>();
  const deletedPods = new Set<string>();
  let mostOut = 0;
  let fewest = Number.POSITIVE_INFINITY;

  const nodeInformer = makeInformer<V1Node>(kc, '/api/v1/nodes', () => core.listNode());
  const podInformer = makeInformer<V1Pod>(kc, `/api/v1/namespaces/${workloadNamespace}/pods`, () =>
    core.listNamespacedPod({ namespace: workloadNamespace }),
  );
  const follow = options.follow;
  const followInformer = follow
    ? makeInformer<V1Pod>(
        kc,
        `/api/v1/namespaces/${follow.namespace}/pods`,
        () => core.listNamespacedPod({ namespace: follow.namespace, labelSelector: follow.labelSelector }),
        follow.labelSelector,
      )
    : undefined;

  const onNode = (node: V1Node) => {
    const now = Date.now();
    const line = timelines.get(node.metadata?.name ?? '');
    if (line) {
      const bootId = node.status?.nodeInfo?.bootID;
      if (bootId && line.bootIds.at(-1) !== bootId) {
        if (line.bootIds.length > 0) onNote(`${line.node}: boot ID ${line.bootIds.at(-1)} → ${bootId}`);
        line.bootIds.push(bootId);
      }
      const cordoned = node.spec?.unschedulable === true;
      if (cordoned && line.cordonedAt === undefined) {
        line.cordonedAt = now;
        line.readyAtCordon = readyByApp();
        onNote(`${line.node}: cordoned (Ready pods then: ${[...line.readyAtCordon].map(([a, n]) => `${a} ${n}`).join(', ')})`);
      }
      // A record left by an earlier rollout (or an earlier controller: annotations outlive an
      // uninstall) is not this rollout's reboot command.
      const started = jobStartedAt(node);
      if (started !== undefined && started >= recorderStarted && line.rebootCommandAt === undefined) {
        line.rebootCommandAt = started;
        onNote(`${line.node}: the agent runs the reboot command`);
      }
      const ready = isReady(node);
      if (!ready && line.cordonedAt !== undefined && line.notReadyAt === undefined) {
        line.notReadyAt = now;
        onNote(`${line.node}: NotReady (${node.status?.conditions?.find((c) => c.type === 'Ready')?.reason ?? '?'})`);
      }
      if (ready && line.bootIds.length > 1 && line.readyAgainAt === undefined) {
        line.readyAgainAt = now;
        onNote(`${line.node}: Ready again with a new boot ID`);
      }
      if (!cordoned && line.readyAgainAt !== undefined && line.uncordonedAt === undefined) {
        line.uncordonedAt = now;
        onNote(`${line.node}: uncordoned`);
      }
      const phase = node.metadata?.labels?.[PHASE_LABEL];
      if (phase && line.phases.at(-1) !== phase) line.phases.push(phase);
    }
    if (!synced) return;
    // The invariant is checked on the informer's whole cache, at this event.
    const out = nodeInformer
      .list()
      .filter((n) => nodes.includes(n.metadata?.name ?? '') && (n.spec?.unschedulable === true || !isReady(n)));
    mostOut = Math.max(mostOut, out.length);
    if (out.length > maxOut) {
      violations.push({ at: now, what: `${out.length} nodes out at once: ${out.map((n) => n.metadata?.name).join(', ')}` });
    }
  };

  const readyByApp = (): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const pod of podInformer.list()) {
      const label = pod.metadata?.labels?.app;
      if (label) counts.set(label, (counts.get(label) ?? 0) + (podReady(pod) ? 1 : 0));
    }
    return counts;
  };

  // The informers' first lists arrive one object at a time: the invariants hold on whole states,
  // so they are checked from the end of the initial sync on.
  let synced = false;
  const onPod = () => {
    if (!synced) return;
    const pods = podInformer.list().filter((p) => p.metadata?.labels?.app === app);
    const ready = pods.filter(podReady).length;
    fewest = Math.min(fewest, ready);
    if (ready < minReady) {
      violations.push({
        at: Date.now(),
        what: `${app}: ${ready} Ready pods, the budget needs ${minReady}; ${pods.map(describePod).join('; ')}`,
      });
    }
  };

  const onFollowed = (pod: V1Pod) => {
    const name = pod.metadata?.name;
    if (name && pod.spec?.nodeName) podNodes.set(name, pod.spec.nodeName);
  };

  nodeInformer.on('add', onNode);
  nodeInformer.on('update', onNode);
  podInformer.on('add', onPod);
  podInformer.on('update', onPod);
  podInformer.on('delete', onPod);
  followInformer?.on('add', onFollowed);
  followInformer?.on('update', onFollowed);
  followInformer?.on('delete', (pod) => pod.metadata?.name && deletedPods.add(pod.metadata.name));
  const informers: Informer<V1Node | V1Pod>[] = [nodeInformer, podInformer, ...(followInformer ? [followInformer] : [])] as Informer<
    V1Node | V1Pod
  >[];
  // A watch the server ends is re-established by client-node; an error stops the informer, so
  // start it again (the list that follows catches up with what was missed).
  let stopped = false;
  const restart = (informer: Informer<V1Node | V1Pod>) => () => {
    if (!stopped) setTimeout(() => void (stopped ? undefined : informer.start().catch(() => undefined)), 1_000);
  };
  for (const informer of informers) informer.on('error', restart(informer));
  for (const informer of informers) await informer.start();
  synced = true;
  onPod();
  for (const node of nodeInformer.list()) onNode(node);

  return {
    timelines,
    violations,
    mostNodesOut: () => mostOut,
    fewestReady: () => fewest,
    podNodes,
    deletedPods,
    async stop() {
      stopped = true;
      await Promise.all(informers.map((informer) => informer.stop()));
    },
  };
}
