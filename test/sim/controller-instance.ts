// One controller process in the simulation, wired like src/controller/app.ts from the real parts
// (reconciler, policy, runner, steps, rollout store, request store, operator control), on the
// model through a ClusterApi whose every call waits for the scheduler, a SimView, virtual timers
// and the virtual clock. Several can share the model: replicas, and a replacement after a crash.

import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Gate } from '../../src/gates/gate.ts';
import { createControl, type Control } from '../../src/controller/api/control.ts';
import type { ClusterApi } from '../../src/controller/cluster-api.ts';
import { createRolloutStore } from '../../src/controller/lock/rollout-store.ts';
import type { SlotSettings } from '../../src/controller/lock/slots.ts';
import { createEventRecorder } from '../../src/controller/observe/events.ts';
import { createControllerMetrics, type ControllerMetrics } from '../../src/controller/observe/metrics.ts';
import { createPerformer } from '../../src/controller/perform.ts';
import type { PolicySettings } from '../../src/controller/policy/decide.ts';
import { createReconciler, type Reconciler } from '../../src/controller/reconciler.ts';
import { createRequestStore, type RequestStore } from '../../src/controller/request-store.ts';
import { createDrainer, type DrainSettings } from '../../src/controller/steps/drain.ts';
import type { PatchSettings } from '../../src/controller/steps/node-patches.ts';
import type { Trigger } from '../../src/controller/policy/plan.ts';
import { isNotFound } from '../../src/kube/api-errors.ts';
import type { NotificationEvent } from '../../src/notify/event.ts';
import type { ApiModel } from './api-model.ts';
import type { Scheduler } from './scheduler.ts';
import { SimView } from './sim-view.ts';

export type SimSettings = PolicySettings &
  SlotSettings &
  PatchSettings & {
    readonly trigger: Trigger;
    readonly gateRecheckMs: number;
    readonly lockAnnotation: string;
    readonly drain: DrainSettings;
  };

export interface Instance {
  readonly id: number;
  /** The replica slot (0 or 1): a restarted process takes the slot of the one that died. */
  readonly slot: number;
  alive: boolean;
  active: boolean;
  readonly view: SimView;
  readonly reconciler: Reconciler;
  readonly requests: RequestStore;
  readonly control: Control;
}

const SILENT = pino({ level: 'silent' });

/**
 * The real metrics on a registry of the instance's own: nothing reads them in the simulation, but a
 * fake cast to the type would hide a metric added later (a missing method throws in every cycle).
 */
function simMetrics(): ControllerMetrics {
  return createControllerMetrics(new Registry(), { nodes: () => [], rollout: () => undefined, halt: () => undefined, leader: () => false });
}

function simApi(model: ApiModel, scheduler: Scheduler, owner: number): ClusterApi {
  const call = <T>(label: () => string, kind: 'read' | 'write' | 'evict', apply: () => T, node?: string) =>
    scheduler.call(owner, label, kind, apply, node);
  return {
    readNode: (name) =>
      call(
        () => `readNode ${name}`,
        'read',
        () => model.readNode(name),
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
  scheduler: Scheduler;
  settings: SimSettings;
  gates: readonly Gate[];
  onNotify: (event: NotificationEvent) => void;
}): Instance {
  const { id, model, scheduler, settings } = options;
  const clock = () => new Date(scheduler.now);
  const api = simApi(model, scheduler, id);
  const view = new SimView(model);
  const rollout = createRolloutStore({
    api,
    namespace: model.dsNamespace,
    name: model.dsName,
    lockAnnotation: settings.lockAnnotation,
    watched: () => view.daemonSet(),
  });
  const metrics = simMetrics();
  const sinks = { log: SILENT, events: createEventRecorder(api, SILENT, clock), notify: options.onNotify, metrics };
  // The performer reports its writes to the reconciler, which is built from the performer.
  const late: { reconciler?: Reconciler } = {};
  const performer = createPerformer({
    api,
    rollout,
    drainer: createDrainer(api, settings.drain),
    sinks,
    settings,
    log: SILENT,
    lockAnnotation: settings.lockAnnotation,
    wrote: (node, from, written) => late.reconciler!.wrote(node, from, written),
    wake: (reason) => late.reconciler!.wake(reason),
    clock,
  });
  const nodeGone = async (name: string) => {
    try {
      await api.readNode(name);
      return false;
    } catch (error) {
      if (isNotFound(error)) return true;
      throw error;
    }
  };
  const reconciler = createReconciler({
    view,
    rollout,
    performer,
    gates: options.gates,
    settings,
    metrics,
    log: SILENT,
    clock,
    timers: scheduler.timersFor(id),
    nodeGone,
  });
  late.reconciler = reconciler;
  const wake = (reason: string) => reconciler.wake(reason);
  view.onChange = wake;
  const requests = createRequestStore({
    api,
    cached: (name) => view.node(name),
    synced: () => view.synced(),
    clock,
    onWrite: () => wake('request recorded'),
    remediationCap: settings.maxRebootAttempts,
  });
  const control = createControl({ view, rollout, requests, notify: options.onNotify, clock, wake });
  void view.start();
  return { id, slot: options.slot, alive: true, active: false, view, reconciler, requests, control };
}
