// The decision core of a controller process, built in one place from the parsed configuration:
// the watch-fed view, the rollout store (lock DaemonSet), the runner (performer, drainer, quiet
// maintenance), the reconciler with its settings (topology included), the request store and the
// operator control. Its I/O comes in narrow (the Kubernetes calls, the view, the clock, timers,
// the Alertmanager client, logger, metrics registry), so src/controller/app.ts and the
// deterministic simulation (test/sim/controller-instance.ts) run the same wiring: a setting the
// product reads is a setting the simulation exercises.

import type { Registry } from 'prom-client';
import type { AlertmanagerClient } from '../alertmanager/alertmanager-client.ts';
import { createNodeSilencer } from '../alertmanager/node-silencer.ts';
import type { ControllerConfig } from '../config/controller-config.ts';
import type { Gate } from '../gates/gate.ts';
import { isNotFound } from '../kube/api-errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Notify } from '../notify/event.ts';
import { createControl, type Control } from './api/control.ts';
import type { ClusterApi } from './cluster-api.ts';
import type { ClusterView } from './cluster/cluster-view.ts';
import { createRolloutStore, type RolloutStore } from './lock/rollout-store.ts';
import type { SlotSettings } from './lock/slots.ts';
import { createEventRecorder } from './observe/events.ts';
import { createControllerMetrics, type ControllerMetrics } from './observe/metrics.ts';
import { createPerformer, type Performer } from './perform.ts';
import { createReconciler, type Reconciler } from './reconciler.ts';
import { createRequestStore, type RequestStore } from './request-store.ts';
import { createDrainer } from './steps/drain.ts';
import { createHookStep } from './steps/hook-step.ts';
import type { HookPoint } from '../store/hook-records.ts';
import type { HookJobCache } from './hooks/hook-job-watch.ts';
import type { Timers } from './work-loop.ts';

/** The part of the configuration the decision core reads. */
export type DecisionConfig = Pick<
  ControllerConfig,
  | 'concurrency'
  | 'lock'
  | 'forceReboot'
  | 'drain'
  | 'preferNoScheduleTaint'
  | 'preRebootNodeLabels'
  | 'postRebootNodeLabels'
  | 'annotateNodes'
  | 'rebootTimeoutMs'
  | 'maxRebootAttempts'
  | 'trigger'
  | 'retryBackoffMs'
  | 'gateRecheckMs'
  | 'topology'
  | 'maxNodeAgeMs'
  | 'hooks'
> & { readonly alertmanager: Pick<ControllerConfig['alertmanager'], 'silenceMatchers'> };

export interface DecisionCoreIo {
  readonly api: ClusterApi;
  /** Builds the watch-fed view; `onChange` wakes the decision cycle. */
  readonly view: (onChange: (reason: string) => void) => ClusterView;
  readonly gates: readonly Gate[];
  readonly notify: Notify;
  /** Quiet maintenance runs when this is given and --silence-matchers is not emptied. */
  readonly alertmanager?: AlertmanagerClient;
  readonly log: Logger;
  readonly registry: Registry;
  /** Whether this replica leads (the metric). */
  readonly leading: () => boolean;
  readonly clock: () => Date;
  /** The decision cycle's timers; the real ones when not given. */
  readonly timers?: Timers;
  /** Runs on every wake, before the cycle is woken (app.ts clears its status cache). */
  readonly onWake?: () => void;
  /** Builds the hook Job watch (ADR 0019), used when a hook Job template is configured; `onChange` wakes the cycle. */
  readonly hookJobs?: (onChange: (reason: string) => void) => HookJobCache;
}

export interface DecisionCore {
  readonly view: ClusterView;
  readonly rollout: RolloutStore;
  readonly performer: Performer;
  readonly reconciler: Reconciler;
  readonly requests: RequestStore;
  readonly control: Control;
  readonly metrics: ControllerMetrics;
  readonly slotSettings: SlotSettings;
  readonly wake: (reason: string) => void;
  /** The hook Job watch, when hook Jobs are configured and the I/O gives one (the caller starts it). */
  readonly hookJobs: HookJobCache | undefined;
}

export function buildDecisionCore(config: DecisionConfig, io: DecisionCoreIo): DecisionCore {
  const { api, log, clock } = io;
  const slotSettings: SlotSettings = { concurrency: config.concurrency, ttlMs: config.lock.ttlMs };
  // The view, the runner and the stores wake the reconciler, which is built from them.
  const late: { reconciler?: Reconciler } = {};
  const wake = (reason: string) => {
    io.onWake?.();
    late.reconciler!.wake(reason);
  };
  const view = io.view(wake);
  const rollout = createRolloutStore({
    api,
    namespace: config.lock.dsNamespace,
    name: config.lock.dsName,
    lockAnnotation: config.lock.annotation,
    watched: () => view.daemonSet(),
  });
  const metrics = createControllerMetrics(io.registry, {
    nodes: () => late.reconciler!.observed(),
    rollout: () => rollout.current(),
    halt: () => late.reconciler!.halt(),
    leader: io.leading,
  });
  const settings = {
    drainDelayMs: config.drain.delayMs,
    drainTimeoutMs: config.drain.timeoutMs,
    forceReboot: config.forceReboot,
    rebootTimeoutMs: config.rebootTimeoutMs,
    maxRebootAttempts: config.maxRebootAttempts,
    lockReleaseDelayMs: config.lock.releaseDelayMs,
    retryBackoffMs: config.retryBackoffMs,
    preferNoScheduleTaint: config.preferNoScheduleTaint,
    preRebootNodeLabels: config.preRebootNodeLabels,
    postRebootNodeLabels: config.postRebootNodeLabels,
    annotateNodes: config.annotateNodes,
    trigger: config.trigger,
    gateRecheckMs: config.gateRecheckMs,
    lockAnnotation: config.lock.annotation,
    topology: config.topology,
    maxNodeAgeMs: config.maxNodeAgeMs,
    ...(config.hooks
      ? {
          hooks: {
            jobs: new Set(Object.keys(config.hooks.jobs) as HookPoint[]),
            timeoutMs: config.hooks.timeoutMs,
            onFailure: config.hooks.onFailure,
          },
        }
      : {}),
    ...slotSettings,
  };
  const hookJobs = config.hooks && Object.keys(config.hooks.jobs).length > 0 ? io.hookJobs?.(wake) : undefined;
  const sets = config.alertmanager.silenceMatchers;
  const silencer =
    io.alertmanager && sets.length > 0
      ? createNodeSilencer({ client: io.alertmanager, sets, log: log.child({ component: 'silencer' }), now: clock })
      : undefined;
  const sinks = { log, events: createEventRecorder(api, log, clock), notify: io.notify, metrics };
  const performer = createPerformer({
    api,
    rollout,
    drainer: createDrainer(api, config.drain),
    sinks,
    settings,
    log,
    lockAnnotation: config.lock.annotation,
    wrote: (node, from, written) => late.reconciler!.wrote(node, from, written),
    wake,
    clock,
    ...(silencer ? { silencer } : {}),
    ...(config.hooks
      ? {
          hooks: createHookStep({
            api,
            templates: config.hooks.jobs,
            namespace: config.hooks.namespace,
            timeoutMs: config.hooks.timeoutMs,
            log: log.child({ component: 'hooks' }),
            metrics,
            clock,
            ...(hookJobs ? { cached: (name: string) => hookJobs.job(name) } : {}),
          }),
        }
      : {}),
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
    gates: io.gates,
    settings,
    metrics,
    log,
    clock,
    nodeGone,
    ...(io.timers ? { timers: io.timers } : {}),
  });
  late.reconciler = reconciler;
  const requests = createRequestStore({
    api,
    cached: (name) => view.node(name),
    synced: () => view.synced(),
    clock,
    onWrite: () => wake('request recorded'),
    remediationCap: config.maxRebootAttempts,
  });
  const control = createControl({ view, rollout, requests, notify: io.notify, clock, wake });
  return { view, rollout, performer, reconciler, requests, control, metrics, slotSettings, wake, hookJobs };
}
