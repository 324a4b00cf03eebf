// One controller process in the simulation, built by the function src/controller/app.ts uses
// (buildDecisionCore: reconciler, policy, runner, steps, rollout store, request store, operator
// control, quiet maintenance, topology) from the parsed configuration, on the model through a
// ClusterApi whose every call waits for the scheduler, a SimView, the simulated Alertmanager and
// Prometheus, virtual timers and the virtual clock. Several can share the model: replicas, and a
// replacement after a crash.

import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { AlertmanagerClient } from '../../src/alertmanager/alertmanager-client.ts';
import type { ControllerConfig } from '../../src/config/controller-config.ts';
import type { Gate } from '../../src/gates/gate.ts';
import type { Control } from '../../src/controller/operator/operator-control.ts';
import type { ClusterApi } from '../../src/controller/cluster-api.ts';
import type { WorkloadSource } from '../../src/controller/cluster/workload-view.ts';
import { buildDecisionCore } from '../../src/controller/decision-core.ts';
import type { Reconciler } from '../../src/controller/reconciler.ts';
import type { RequestRecorder } from '../../src/controller/request-recorder.ts';
import type { NotificationEvent } from '../../src/notify/event.ts';
import type { ApiModel } from './api-model.ts';
import type { JobModel } from './job-model.ts';
import type { Scheduler } from './scheduler.ts';
import { SimView } from './sim-view.ts';

export interface Instance {
  readonly id: number;
  /** The replica slot (0 or 1): a restarted process takes the slot of the one that died. */
  readonly slot: number;
  alive: boolean;
  active: boolean;
  readonly view: SimView;
  readonly reconciler: Reconciler;
  readonly requests: RequestRecorder;
  readonly control: Control;
}

const SILENT = pino({ level: process.env['SIM_LOG'] ?? 'silent' });

function simApi(model: ApiModel, jobs: JobModel, scheduler: Scheduler, owner: number): ClusterApi {
  const call = <T>(label: () => string, kind: 'read' | 'write' | 'evict', apply: () => T, node?: string) =>
    scheduler.call(owner, label, kind, apply, node);
  return {
    readNode: (name) =>
      call(
        () => `readNode ${name}`,
        'read',
        () => model.readNode(name),
      ),
    listNodes: () =>
      call(
        () => 'listNodes',
        'read',
        () => [...model.nodes.values()],
      ),
    patchNode: (name, patch) =>
      call(
        () => `patchNode ${name} ${describePatch(patch)}`,
        'write',
        () => model.patchNode(name, patch),
        name,
      ),
    listPodsOnNode: (node, selector) =>
      call(
        () => `listPods ${node}`,
        'read',
        () => model.listPodsOnNode(node, selector),
      ),
    evictPod: (namespace, name) =>
      call(
        () => `evict ${namespace}/${name}`,
        'evict',
        () => model.evictPod(namespace, name),
      ),
    deletePod: (namespace, name) =>
      call(
        () => `delete pod ${namespace}/${name}`,
        'evict',
        () => model.deletePod(namespace, name),
      ),
    // The model applies an eviction in one step (never interrupted half-way), so no budget ever
    // lists a disrupted pod: the drain's completion of interrupted evictions is not exercised here.
    listPodDisruptionBudgets: (namespace) =>
      call(
        () => `listPdbs ${namespace}`,
        'read',
        () =>
          model.pdbs
            .filter((pdb) => pdb.namespace === namespace)
            .map((pdb) => ({ metadata: { name: pdb.app, namespace }, status: { disruptedPods: {} } })),
      ),
    readDaemonSet: (namespace, name) =>
      call(
        () => 'readDaemonSet',
        'read',
        () => model.readDaemonSet(namespace, name),
      ),
    patchDaemonSet: (namespace, name, patch) =>
      call(
        () => `patchDaemonSet ${describePatch(patch)}`,
        'write',
        () => model.patchDaemonSet(namespace, name, patch),
      ),
    // Events are fire-and-forget and change nothing the controller reads: recorded at once.
    createEvent: () => {
      model.eventsCreated++;
      return Promise.resolve();
    },
    createJob: (namespace, job) =>
      call(
        () => `createJob ${job.metadata?.name}`,
        'write',
        () => jobs.create(namespace, job),
      ),
    readJob: (namespace, name) =>
      call(
        () => `readJob ${name}`,
        'read',
        () => jobs.read(namespace, name),
      ),
    deleteJob: (namespace, name) =>
      call(
        () => `deleteJob ${name}`,
        'write',
        () => jobs.delete(namespace, name),
      ),
  };
}

/**
 * The workload gate's watch on the model: ReplicaSets and the agents' DaemonSet counted from the
 * pods, budgets from the model's. It reads the model directly (a watch that never lags: the gate
 * is re-asked every --gate-recheck-period), and the budgets' pod lists are API calls in flight like
 * any other. No wake on a workload change: the recheck period brings the cycle back.
 */
function simWorkloads(model: ApiModel, scheduler: Scheduler, owner: number): WorkloadSource {
  return {
    synced: () => true,
    workload(key) {
      const [kind, namespace, name] = key.split('/');
      if ((kind !== 'ReplicaSet' && kind !== 'DaemonSet') || !namespace || !name) return undefined;
      const counts = model.workloadCounts(kind, namespace, name);
      return counts ? { key, ...counts, current: true, shownAs: name } : undefined;
    },
    budgets: () =>
      model.pdbs.map((pdb) => ({
        namespace: pdb.namespace,
        name: pdb.app,
        disruptionsAllowed: Math.max(0, model.healthy(pdb) - pdb.minAvailable),
        current: true,
        selector: `app=${pdb.app}`,
        // The model keeps no budget objects: its version changes with the pods it counts.
        version: model
          .listPodsOfApp(pdb.namespace, pdb.app)
          .map((pod) => `${pod.metadata?.name}@${pod.spec?.nodeName}:${pod.status?.phase}`)
          .join(','),
      })),
    podsOf: (budget) =>
      scheduler.call(
        owner,
        () => `listPods ${budget.namespace} ${budget.selector}`,
        'read',
        () => model.listPodsOfApp(budget.namespace, budget.name),
      ),
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
}

/** A short description of a merge patch for the trace: which keys it sets or removes. */
function describePatch(patch: object): string {
  const body = patch as {
    metadata?: { resourceVersion?: string; annotations?: Record<string, unknown>; labels?: Record<string, unknown> };
    spec?: Record<string, unknown>;
  };
  const parts: string[] = [];
  for (const [key, value] of Object.entries(body.metadata?.annotations ?? {})) {
    const short = key.replace(/^kreboot\.dev\//, '').replace(/^weave\.works\//, 'kured/');
    if (value === null) parts.push(`-${short}`);
    else if (short === 'state') parts.push(`state=${(JSON.parse(String(value)) as { phase: string }).phase}`);
    else parts.push(short);
  }
  if (body.spec && 'unschedulable' in body.spec) parts.push(`unschedulable=${String(body.spec['unschedulable'])}`);
  return `[${parts.join(' ')}]${body.metadata?.resourceVersion ? ` @rv${body.metadata.resourceVersion}` : ''}`;
}

export function createInstance(options: {
  id: number;
  slot: number;
  model: ApiModel;
  jobs: JobModel;
  scheduler: Scheduler;
  config: ControllerConfig;
  gates: readonly Gate[];
  alertmanager: AlertmanagerClient | undefined;
  onNotify: (event: NotificationEvent) => void;
}): Instance {
  const { id, model, scheduler } = options;
  let simView: SimView | undefined;
  const core = buildDecisionCore(options.config, {
    api: simApi(model, options.jobs, scheduler, id),
    view: (onChange) => {
      simView = new SimView(model);
      simView.onChange = onChange;
      return simView;
    },
    gates: options.gates,
    workloads: () => simWorkloads(model, scheduler, id),
    notify: options.onNotify,
    ...(options.alertmanager ? { alertmanager: options.alertmanager } : {}),
    log: SILENT,
    // The real metrics on a registry of the instance's own: nothing reads them here, but a metric
    // added later is exercised in every cycle.
    registry: new Registry(),
    leading: () => false,
    clock: () => new Date(scheduler.now),
    timers: scheduler.timersFor(id),
  });
  void core.view.start();
  return {
    id,
    slot: options.slot,
    alive: true,
    active: false,
    view: simView!,
    reconciler: core.reconciler,
    requests: core.requests,
    control: core.control,
  };
}
