// The workload gate's watch-fed view (ADR 0018): the ReplicaSets, StatefulSets and DaemonSets of
// the cluster and its PodDisruptionBudgets, as slim copies (counts and selectors only), kept by
// informers like the Node view. A decision cycle then reads the readiness of what a drain evicted
// and which budgets allow no disruption from memory; the only call it makes is one pod list per
// budget that allows none (to find the nodes its pods are on). `onChange` fires with the object's
// key only when its counts change, and the caller wakes the cycle only for what a gate waits on.

import {
  AppsV1Api,
  CoreV1Api,
  ListWatch,
  PolicyV1Api,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1LabelSelector,
  type V1Pod,
} from '@kubernetes/client-node';
import { withDeadline, KUBE_CALL_DEADLINE_MS } from '../../kube/call-deadline.ts';
import { apiErrorMessage } from '../../kube/api-errors.ts';
import type { Logger } from '../../log/logger.ts';
import { workloadKey, type WorkloadKey, type WorkloadKind } from '../../store/evicted-workloads.ts';

/** A controller's counts, as the gate compares them. */
export interface WorkloadStatus {
  readonly key: WorkloadKey;
  /** Pods it wants: spec.replicas, or a DaemonSet's desiredNumberScheduled. */
  readonly desired: number;
  /** Its Ready pods: status.readyReplicas, or a DaemonSet's numberReady. */
  readonly ready: number;
  /** The controller has observed its latest spec (status.observedGeneration): its counts are current. */
  readonly current: boolean;
  /** The name people know it by: a ReplicaSet's Deployment, else its own. */
  readonly shownAs: string;
}

export interface BudgetStatus {
  readonly namespace: string;
  readonly name: string;
  readonly disruptionsAllowed: number;
  /** status.observedGeneration has caught up with the budget's spec: its disruptionsAllowed is valid. */
  readonly current: boolean;
  /** The label selector as text; undefined selects no pod (policy/v1: a null selector). */
  readonly selector: string | undefined;
  /** Changes whenever the budget does (its resourceVersion): the disruption controller rewrites its status as its pods change. */
  readonly version: string;
}

export interface WorkloadSource {
  /** True once every informer has listed. */
  synced(): boolean;
  /** Why a watch has not listed, when it failed (an RBAC refusal, the API down): for the gate's reason. */
  problem?(): string | undefined;
  /** The workload's counts; undefined when it does not exist (deleted: nothing left to wait for). */
  workload(key: WorkloadKey): WorkloadStatus | undefined;
  budgets(): readonly BudgetStatus[];
  /** The pods a budget selects (one list call, bounded by the API deadline). */
  podsOf(budget: BudgetStatus): Promise<readonly V1Pod[]>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The budget's key for onChange. */
export const budgetKey = (namespace: string, name: string) => `PodDisruptionBudget/${namespace}/${name}`;

/** A label selector in the API's string form; undefined for a null selector (it selects nothing). */
export function selectorText(selector: V1LabelSelector | undefined): string | undefined {
  if (!selector) return undefined;
  const parts = Object.entries(selector.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`);
  for (const expression of selector.matchExpressions ?? []) {
    const values = (expression.values ?? []).join(',');
    if (expression.operator === 'In') parts.push(`${expression.key} in (${values})`);
    else if (expression.operator === 'NotIn') parts.push(`${expression.key} notin (${values})`);
    else if (expression.operator === 'Exists') parts.push(expression.key);
    else if (expression.operator === 'DoesNotExist') parts.push(`!${expression.key}`);
  }
  return parts.join(',');
}

interface Slim extends KubernetesObject {
  readonly counts: { desired: number; ready: number; current: boolean; shownAs: string };
}
interface SlimBudget extends KubernetesObject {
  readonly budget: BudgetStatus;
}

interface Meta {
  metadata?: {
    name?: string;
    namespace?: string;
    generation?: number;
    resourceVersion?: string;
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
}

const LIST_PAGE = 500;

function slimMeta(object: Meta): KubernetesObject['metadata'] {
  const m = object.metadata ?? {};
  return { name: m.name ?? '', namespace: m.namespace ?? '', ...(m.resourceVersion ? { resourceVersion: m.resourceVersion } : {}) };
}

/** One workload kind's slim copy: the counts its readiness is judged by. */
function slimWorkload(kind: WorkloadKind, object: unknown): Slim {
  const o = object as Meta & {
    spec?: { replicas?: number };
    status?: {
      observedGeneration?: number;
      readyReplicas?: number;
      desiredNumberScheduled?: number;
      numberReady?: number;
    };
  };
  const generation = o.metadata?.generation ?? 0;
  const current = (o.status?.observedGeneration ?? 0) >= generation;
  const owner = o.metadata?.ownerReferences?.find((ref) => ref.controller === true && ref.kind === 'Deployment');
  const desired = kind === 'DaemonSet' ? (o.status?.desiredNumberScheduled ?? 0) : (o.spec?.replicas ?? 1);
  const ready = kind === 'DaemonSet' ? (o.status?.numberReady ?? 0) : (o.status?.readyReplicas ?? 0);
  return { metadata: slimMeta(o), counts: { desired, ready, current, shownAs: owner?.name ?? o.metadata?.name ?? '' } };
}

function slimBudget(object: unknown): SlimBudget {
  const o = object as Meta & {
    spec?: { selector?: V1LabelSelector };
    status?: { observedGeneration?: number; disruptionsAllowed?: number };
  };
  return {
    metadata: slimMeta(o),
    budget: {
      namespace: o.metadata?.namespace ?? '',
      name: o.metadata?.name ?? '',
      disruptionsAllowed: o.status?.disruptionsAllowed ?? 0,
      current: o.status?.observedGeneration !== undefined && o.status.observedGeneration >= (o.metadata?.generation ?? 0),
      selector: selectorText(o.spec?.selector),
      version: o.metadata?.resourceVersion ?? '',
    },
  };
}

type Page = { limit: number; _continue?: string };
/** Each list page of an informer ends by its deadline: a hung list would otherwise hold the informer unlisted for good (the watch after it is bounded by the client's idle timeout). */
const listDeadline = () => withDeadline(KUBE_CALL_DEADLINE_MS);

export function createWorkloadView(options: { kc: KubeConfig; log: Logger; onChange: (key: string) => void }): WorkloadSource {
  const { kc, log, onChange } = options;
  const apps = kc.makeApiClient(AppsV1Api);
  const policy = kc.makeApiClient(PolicyV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  const watch = new Watch(kc);
  (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = 120_000;
  let stopped = false;
  /** Informer → its last failure while it has not listed. */
  const problems = new Map<string, string>();

  /** An informer of slim copies, listed page by page; `sig` is what a change must alter to be reported. */
  function informer<T extends KubernetesObject>(
    what: string,
    path: string,
    list: (page: Page) => Promise<KubernetesListObject<KubernetesObject>>,
    slim: (object: unknown) => T,
    key: (object: T) => string,
    sig: (object: T) => string,
  ) {
    const slimWatch = {
      watch: (
        p: string,
        params: Record<string, string | number | boolean | undefined>,
        callback: (phase: string, object: unknown, watchObject?: unknown) => void,
        done: (err: unknown) => void,
      ) =>
        watch.watch(
          p,
          params,
          (phase, object, watchObject) => callback(phase, phase === 'BOOKMARK' || phase === 'ERROR' ? object : slim(object), watchObject),
          done,
        ),
    } as unknown as Watch;
    const listSlim = async (): Promise<KubernetesListObject<T>> => {
      const items: T[] = [];
      let first: KubernetesListObject<KubernetesObject> | undefined;
      let next: string | undefined;
      do {
        const page = await list({ limit: LIST_PAGE, ...(next ? { _continue: next } : {}) });
        first ??= page;
        for (const item of page.items) items.push(slim(item));
        next = page.metadata?._continue || undefined;
      } while (next);
      return { metadata: { resourceVersion: first.metadata?.resourceVersion ?? '' }, items } as KubernetesListObject<T>;
    };
    const cache = new ListWatch<T>(path, slimWatch, listSlim, false);
    const sigs = new Map<string, string>();
    const changed = (object: T) => {
      const k = key(object);
      const next = sig(object);
      if (sigs.get(k) === next) return;
      sigs.set(k, next);
      onChange(k);
    };
    cache.on('add', changed);
    cache.on('update', changed);
    cache.on('delete', (object) => {
      sigs.delete(key(object));
      onChange(key(object));
    });
    let listed = false;
    let delayMs = 500;
    let failed = false;
    cache.on('error', (error: unknown) => {
      failed = true;
      if (!listed) problems.set(what, apiErrorMessage(error));
      if (stopped) return;
      log.warn({ err: error, what, retryInMs: delayMs }, 'watch failed; restarting');
      setTimeout(() => void begin(), delayMs).unref();
      delayMs = Math.min(delayMs * 2, 30_000);
    });
    const begin = async () => {
      if (stopped) return;
      failed = false;
      await cache.start();
      if (!failed) {
        delayMs = 500;
        listed = true;
        problems.delete(what);
        onChange(`${what} listed`);
      }
    };
    return { cache, begin, listed: () => listed };
  }

  const workloadInformer = (kind: WorkloadKind, resource: string, list: (page: Page) => Promise<KubernetesListObject<KubernetesObject>>) =>
    informer<Slim>(
      `${resource} (workload gate)`,
      `/apis/apps/v1/${resource}`,
      list,
      (object) => slimWorkload(kind, object),
      (object) => workloadKey(kind, object.metadata?.namespace ?? '', object.metadata?.name ?? ''),
      (object) => JSON.stringify(object.counts),
    );
  const kinds: Record<WorkloadKind, ReturnType<typeof workloadInformer>> = {
    ReplicaSet: workloadInformer('ReplicaSet', 'replicasets', (page) => apps.listReplicaSetForAllNamespaces(page, listDeadline())),
    StatefulSet: workloadInformer('StatefulSet', 'statefulsets', (page) => apps.listStatefulSetForAllNamespaces(page, listDeadline())),
    DaemonSet: workloadInformer('DaemonSet', 'daemonsets', (page) => apps.listDaemonSetForAllNamespaces(page, listDeadline())),
  };
  const budgets = informer<SlimBudget>(
    'PodDisruptionBudgets (workload gate)',
    '/apis/policy/v1/poddisruptionbudgets',
    (page) => policy.listPodDisruptionBudgetForAllNamespaces(page, listDeadline()),
    slimBudget,
    (object) => budgetKey(object.budget.namespace, object.budget.name),
    // Not the version: a status rewrite that changes no count wakes nobody.
    (object) => JSON.stringify({ ...object.budget, version: '' }),
  );
  const all = [...Object.values(kinds), budgets];

  return {
    synced: () => all.every((entry) => entry.listed()),
    problem: () => (problems.size > 0 ? [...problems].map(([what, message]) => `${what}: ${message}`).join('; ') : undefined),
    workload(key) {
      const [kind, namespace, name] = key.split('/') as [WorkloadKind, string, string];
      const object = kinds[kind]?.cache.get(name, namespace);
      return object ? { key, ...object.counts } : undefined;
    },
    budgets: () => budgets.cache.list().map((object) => object.budget),
    async podsOf(budget) {
      if (budget.selector === undefined) return [];
      const list = await core.listNamespacedPod(
        { namespace: budget.namespace, labelSelector: budget.selector },
        withDeadline(KUBE_CALL_DEADLINE_MS),
      );
      return list.items;
    },
    async start() {
      stopped = false;
      await Promise.all(all.map((entry) => entry.begin()));
    },
    async stop() {
      stopped = true;
      await Promise.all(all.map((entry) => entry.cache.stop()));
    },
  };
}
