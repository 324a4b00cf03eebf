// The simulation's in-memory model of the parts of the Kubernetes API kreboot uses: Nodes (JSON
// merge patch, optimistic when the patch carries metadata.resourceVersion → 409, no new
// resourceVersion for a patch that changes nothing), one DaemonSet (the lock), pods with owners,
// PodDisruptionBudgets (the Eviction API answers 429 while a budget forbids; an evicted pod gets a
// deletionTimestamp and disappears later; a ReplicaSet's pod is replaced on a schedulable node and
// becomes Ready later) and a change log per kind that the simulated watches read. Nodes and the
// lock DaemonSet can be deleted and created again under the same name (a cloud's auto-repair, an
// autoscaler, `kubectl delete`, a re-install): a fresh object, without kreboot's records. A
// kubelet's graceful shutdown fails the node's pods (phase Failed; the Eviction API lets a
// terminal pod go whatever its budget says) before the Node turns NotReady, and Unknown once the
// node lifecycle controller notices. The outcomes the controller depends on are held to the real
// API server by test/integration/sim/conformance.test.ts.

import type { V1DaemonSet, V1Node, V1Pod } from '@kubernetes/client-node';
import { jsonEqual, mergePatch, normalize, deepFreeze } from './merge-patch.ts';

/** An API error the way @kubernetes/client-node reports one: the HTTP status as `code`. */
export class SimApiError extends Error {
  readonly code: number;
  readonly body: { message: string; code: number };

  constructor(code: number, message: string) {
    super(`HTTP ${code}: ${message}`);
    this.code = code;
    this.body = { message, code };
  }
}

export interface ModelHooks {
  now(): number;
  random(): number;
  /** Runs `run` at virtual time `at` (a model event: a pod disappearing, a replica turning Ready). */
  at(at: number, label: string, run: () => void): void;
}

export interface SimPod {
  readonly namespace: string;
  readonly name: string;
  node: string | undefined;
  readonly app: string | undefined;
  readonly owner: 'ReplicaSet' | 'DaemonSet' | 'bare';
  ready: boolean;
  /** Failed: stopped by a kubelet's graceful shutdown; it stays bound to its node. */
  phase: 'Running' | 'Failed';
  /** Its ReplicaSet already created a replacement (a Failed pod is not counted as active). */
  replaced: boolean;
  deletedAt: number | undefined;
  view: V1Pod | undefined;
}

export interface SimPdb {
  readonly namespace: string;
  readonly app: string;
  readonly minAvailable: number;
}

export interface LogEntry<T> {
  readonly object: T;
  readonly rv: number;
  readonly deleted?: boolean;
}

/** Where pods go when no managed node can take them. */
export const SPARE_NODE = 'spare-capacity';

const READY_TRUE = Object.freeze({ type: 'Ready', status: 'True' });
const READY_FALSE = Object.freeze({ type: 'Ready', status: 'False' });

/** The Node's Ready condition: the kubelet writes True or False; the node lifecycle controller Unknown. */
export type ReadyStatus = 'True' | 'False' | 'Unknown';

export function readyStatus(node: V1Node): ReadyStatus | undefined {
  return node.status?.conditions?.find((condition) => condition.type === 'Ready')?.status as ReadyStatus | undefined;
}

export class ApiModel {
  private rv = 100;
  readonly nodes = new Map<string, V1Node>();
  readonly nodeLog: LogEntry<V1Node>[] = [];
  /** The lock DaemonSet; undefined while it is deleted. */
  daemonSet: V1DaemonSet | undefined;
  readonly dsLog: LogEntry<V1DaemonSet>[] = [];
  readonly pods: SimPod[] = [];
  readonly pdbs: SimPdb[] = [];
  readonly dsNamespace: string;
  readonly dsName: string;
  private readonly hooks: ModelHooks;
  private podSeq = 0;
  private generation = 0;
  eventsCreated = 0;

  /**
   * Changes with every write to a Node or the lock DaemonSet (their creation and deletion too): the
   * checks that read only those skip a step that changed neither (invariants.ts).
   */
  get version(): number {
    return this.rv;
  }

  /** Virtual time now (ms). */
  now(): number {
    return this.hooks.now();
  }

  /**
   * A bound pod turns Ready 2 s to 2 s + this later: 20 s by default; minutes in the runs that test
   * the workload gate with pods that come back slowly (a readiness probe that passes late).
   */
  readyWithinMs = 20_000;

  constructor(hooks: ModelHooks, ds: { namespace: string; name: string }) {
    this.hooks = hooks;
    this.dsNamespace = ds.namespace;
    this.dsName = ds.name;
    this.daemonSet = this.stamp({ metadata: { namespace: ds.namespace, name: ds.name, uid: 'ds-uid' } });
    this.dsLog.push({ object: this.daemonSet, rv: this.rv });
  }

  private stamp<T extends { metadata?: object }>(object: T): T {
    this.rv++;
    return deepFreeze(normalize({ ...object, metadata: { ...object.metadata, resourceVersion: String(this.rv) } })) as T;
  }

  // ---- Nodes

  /** A Node registers (again): a fresh object, Ready, with only the labels and annotations given. */
  addNode(name: string, options: { unschedulable: boolean; annotations: Record<string, string>; labels?: Record<string, string> }): void {
    if (this.nodes.has(name)) throw new SimApiError(409, `nodes "${name}" already exists`);
    const node = this.stamp<V1Node>({
      metadata: {
        name,
        uid: `uid-${name}-${++this.generation}`,
        // As the API server stamps it (to the second, a string on the wire): a replacement registers after a handoff.
        creationTimestamp: new Date(Math.floor(this.now() / 1000) * 1000).toISOString() as unknown as Date,
        labels: { 'kubernetes.io/hostname': name, ...options.labels },
        annotations: options.annotations,
      },
      spec: options.unschedulable ? { unschedulable: true } : {},
      status: { conditions: [READY_TRUE] },
    });
    this.nodes.set(name, node);
    this.nodeLog.push({ object: node, rv: this.rv });
    this.bindPending();
  }

  /**
   * The Node object is deleted (a cloud's auto-repair, an autoscaler removing an unready node,
   * `kubectl delete node`): the pod garbage collector then deletes the pods bound to it.
   * DaemonSet pods are left (kreboot's drain skips them anyway; the DaemonSet makes a new one).
   */
  deleteNode(name: string): void {
    const node = this.readNode(name);
    this.nodes.delete(name);
    this.nodeLog.push({ object: node, rv: ++this.rv, deleted: true });
    for (const pod of [...this.pods])
      if (pod.node === name && pod.owner !== 'DaemonSet' && pod.deletedAt === undefined) this.beginDelete(pod);
  }

  readNode(name: string): V1Node {
    const node = this.nodes.get(name);
    if (!node) throw new SimApiError(404, `nodes "${name}" not found`);
    return node;
  }

  /** JSON merge patch; optimistic when the patch names a resourceVersion. */
  patchNode(name: string, patch: object): V1Node {
    const current = this.readNode(name);
    const next = this.applyPatch(current, patch, `nodes "${name}"`);
    if (next === current) return current;
    this.nodes.set(name, next);
    this.nodeLog.push({ object: next, rv: this.rv });
    return next;
  }

  /**
   * The kubelet's status writes, and the node lifecycle controller's Unknown (through /status,
   * never conflicting with the controller's merge patches). Nothing for a Node that is gone.
   */
  setNodeStatus(name: string, ready: ReadyStatus, heartbeat: string): void {
    const current = this.nodes.get(name);
    if (!current) return;
    const condition = { ...(ready === 'True' ? READY_TRUE : READY_FALSE), status: ready, lastHeartbeatTime: heartbeat };
    const next = this.stamp<V1Node>({ ...current, status: { ...current.status, conditions: [condition] } } as unknown as V1Node);
    this.nodes.set(name, next);
    this.nodeLog.push({ object: next, rv: this.rv });
    if (ready === 'True') this.bindPending();
  }

  /**
   * A kubelet's graceful shutdown: the pods on the node stop (phase Failed, as the kubelet reports
   * them) and stay bound to it; a ReplicaSet replaces its pods at once. DaemonSet pods are left.
   */
  shutDownPods(name: string): void {
    for (const pod of [...this.pods])
      if (pod.node === name && pod.owner !== 'DaemonSet' && pod.deletedAt === undefined && pod.phase === 'Running') this.stop(pod);
  }

  /** One pod stopped by its kubelet (phase Failed), as a graceful shutdown does. */
  failPod(namespace: string, name: string): void {
    const pod = this.findPod(namespace, name);
    if (pod.phase === 'Running') this.stop(pod);
  }

  private stop(pod: SimPod): void {
    pod.phase = 'Failed';
    pod.ready = false;
    pod.view = undefined;
    this.replace(pod);
  }

  /** The labels an outside writer (a cloud's node controller, an admin) sets; null removes one. */
  labelNode(name: string, labels: Record<string, string | null>): V1Node {
    return this.patchNode(name, { metadata: { labels } });
  }

  // ---- The lock DaemonSet

  readDaemonSet(namespace: string, name: string): V1DaemonSet {
    if (namespace !== this.dsNamespace || name !== this.dsName || !this.daemonSet)
      throw new SimApiError(404, `daemonsets.apps "${name}" not found`);
    return this.daemonSet;
  }

  /** The lock DaemonSet is deleted (an uninstall, a re-install): its annotations go with it. */
  deleteDaemonSet(): void {
    const current = this.daemonSet;
    if (!current) return;
    this.daemonSet = undefined;
    this.dsLog.push({ object: current, rv: ++this.rv, deleted: true });
  }

  /** ... and created again: a fresh object without kreboot's records. */
  createDaemonSet(): void {
    if (this.daemonSet) return;
    this.daemonSet = this.stamp<V1DaemonSet>({
      metadata: { namespace: this.dsNamespace, name: this.dsName, uid: `ds-uid-${++this.generation}` },
    });
    this.dsLog.push({ object: this.daemonSet, rv: this.rv });
  }

  patchDaemonSet(namespace: string, name: string, patch: object): V1DaemonSet {
    const current = this.readDaemonSet(namespace, name);
    const next = this.applyPatch(current, patch, `daemonsets.apps "${name}"`);
    if (next === current) return current;
    this.daemonSet = next;
    this.dsLog.push({ object: next, rv: this.rv });
    return next;
  }

  /** The DaemonSet controller's status writes: a new resourceVersion, nothing kreboot reads. */
  touchDaemonSet(): void {
    const current = this.daemonSet;
    if (!current) return;
    const observed = ((current.status?.observedGeneration ?? 0) as number) + 1;
    this.daemonSet = this.stamp<V1DaemonSet>({
      ...current,
      status: { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, observedGeneration: observed },
    } as V1DaemonSet);
    this.dsLog.push({ object: this.daemonSet, rv: this.rv });
  }

  private applyPatch<T extends { metadata?: { resourceVersion?: string } }>(current: T, patch: object, what: string): T {
    const metadata = (patch as { metadata?: Record<string, unknown> }).metadata;
    const precondition = metadata?.['resourceVersion'];
    if (typeof precondition === 'string' && precondition !== current.metadata?.resourceVersion) {
      throw new SimApiError(
        409,
        `Operation cannot be fulfilled on ${what}: the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    const body = metadata && 'resourceVersion' in metadata ? { ...patch, metadata: { ...metadata, resourceVersion: undefined } } : patch;
    const merged = normalize(mergePatch(current, body) as T);
    if (jsonEqual(merged, current)) return current;
    return this.stamp(merged);
  }

  // ---- Pods, budgets, evictions

  addPod(pod: {
    namespace: string;
    name?: string;
    node: string | undefined;
    app?: string;
    owner: SimPod['owner'];
    ready: boolean;
  }): SimPod {
    const record: SimPod = {
      namespace: pod.namespace,
      name: pod.name ?? `${pod.app ?? 'pod'}-${++this.podSeq}`,
      node: pod.node,
      app: pod.app,
      owner: pod.owner,
      ready: pod.ready,
      phase: 'Running',
      replaced: false,
      deletedAt: undefined,
      view: undefined,
    };
    this.pods.push(record);
    return record;
  }

  private podView(pod: SimPod): V1Pod {
    if (pod.view) return pod.view;
    const owner =
      pod.owner === 'bare'
        ? undefined
        : [{ apiVersion: 'apps/v1', kind: pod.owner, name: pod.app ?? 'owner', uid: `owner-${pod.app}`, controller: true }];
    pod.view = deepFreeze({
      metadata: {
        namespace: pod.namespace,
        name: pod.name,
        ...(pod.app ? { labels: { app: pod.app } } : {}),
        ...(owner ? { ownerReferences: owner } : {}),
        ...(pod.deletedAt !== undefined ? { deletionTimestamp: new Date(pod.deletedAt) } : {}),
      },
      spec: { nodeName: pod.node, containers: [] },
      status: { phase: pod.phase, conditions: [pod.ready ? READY_TRUE : READY_FALSE] },
    } as V1Pod);
    return pod.view;
  }

  listPodsOnNode(node: string, labelSelector?: string): V1Pod[] {
    const wanted = labelSelector ? parseSelector(labelSelector) : undefined;
    return this.pods
      .filter((pod) => pod.node === node && (!wanted || (pod.app !== undefined && wanted.key === 'app' && wanted.value === pod.app)))
      .map((pod) => this.podView(pod));
  }

  /** The pods of one app in a namespace (a budget's selector, app=X). */
  listPodsOfApp(namespace: string, app: string): V1Pod[] {
    return this.pods.filter((pod) => pod.namespace === namespace && pod.app === app).map((pod) => this.podView(pod));
  }

  /**
   * A workload's counts as its controller reports them (the workload gate): the pods it keeps
   * (neither terminating nor replaced) and those of them bound and Ready.
   */
  workloadCounts(kind: 'ReplicaSet' | 'DaemonSet', namespace: string, app: string): { desired: number; ready: number } | undefined {
    const kept = this.pods.filter(
      (pod) => pod.owner === kind && pod.namespace === namespace && pod.app === app && pod.deletedAt === undefined && !pod.replaced,
    );
    if (kept.length === 0) return undefined;
    return { desired: kept.length, ready: kept.filter((pod) => pod.ready && pod.node !== undefined && pod.phase === 'Running').length };
  }

  private findPod(namespace: string, name: string): SimPod {
    const pod = this.pods.find((candidate) => candidate.namespace === namespace && candidate.name === name);
    if (!pod) throw new SimApiError(404, `pods "${name}" not found`);
    return pod;
  }

  /** Healthy pods of a budget: bound, Ready and not being deleted. */
  healthy(pdb: SimPdb): number {
    return this.pods.filter(
      (pod) => pod.namespace === pdb.namespace && pod.app === pdb.app && pod.node !== undefined && pod.ready && pod.deletedAt === undefined,
    ).length;
  }

  evictPod(namespace: string, name: string): void {
    const pod = this.findPod(namespace, name);
    if (pod.deletedAt !== undefined) return; // already terminating: the budget is not consulted again
    const pdb = this.pdbs.find((budget) => budget.namespace === namespace && budget.app === pod.app);
    // A terminal pod (Failed) disrupts nothing: the API server evicts it without the budget.
    if (pdb && pod.phase === 'Running') {
      const healthy = this.healthy(pdb);
      // A Ready pod leaves only if the rest still meet the budget; an unready one while the budget holds.
      const allowed = pod.ready ? healthy - 1 >= pdb.minAvailable : healthy >= pdb.minAvailable;
      if (!allowed) throw new SimApiError(429, "Cannot evict pod as it would violate the pod's disruption budget.");
    }
    this.beginDelete(pod);
  }

  deletePod(namespace: string, name: string): void {
    const pod = this.findPod(namespace, name);
    if (pod.deletedAt === undefined) this.beginDelete(pod);
  }

  private beginDelete(pod: SimPod): void {
    const now = this.hooks.now();
    pod.deletedAt = now;
    pod.view = undefined;
    this.hooks.at(now + 1000 + Math.floor(this.hooks.random() * 20_000), `pod ${pod.name} gone`, () => {
      const index = this.pods.indexOf(pod);
      if (index >= 0) this.pods.splice(index, 1);
    });
    // The ReplicaSet does not count a terminating pod: its replacement is created at once.
    this.replace(pod);
  }

  private replace(pod: SimPod): void {
    if (pod.owner !== 'ReplicaSet' || pod.replaced) return;
    pod.replaced = true;
    this.addPod({ namespace: pod.namespace, node: undefined, ...(pod.app ? { app: pod.app } : {}), owner: 'ReplicaSet', ready: false });
    this.bindPending();
  }

  /** The scheduler: unbound pods go to a Ready node that is not cordoned; they turn Ready later. */
  bindPending(): void {
    const targets = [...this.nodes.values()].filter(
      (node) => node.spec?.unschedulable !== true && node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
    );
    for (const pod of this.pods) {
      if (pod.node !== undefined || pod.deletedAt !== undefined || pod.owner === 'DaemonSet') continue;
      // With every managed node cordoned or down, the pod goes to capacity kreboot does not manage
      // (a node outside --node-selector, a new node from an autoscaler): a drain never waits forever
      // for room that can only come from the drain itself.
      pod.node = targets.length === 0 ? SPARE_NODE : targets[Math.floor(this.hooks.random() * targets.length)]!.metadata!.name!;
      pod.view = undefined;
      this.hooks.at(this.hooks.now() + 2000 + Math.floor(this.hooks.random() * this.readyWithinMs), `pod ${pod.name} Ready`, () => {
        if (pod.deletedAt === undefined && pod.phase === 'Running') {
          pod.ready = true;
          pod.view = undefined;
        }
      });
    }
  }
}

function parseSelector(selector: string): { key: string; value: string } | undefined {
  const [key, value] = selector.split('=');
  return key && value !== undefined ? { key, value } : undefined;
}
