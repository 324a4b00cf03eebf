// The decision core of a controller process, built in one place from the parsed configuration:
// the watch-fed view, the rollout store (lock DaemonSet), the runner (performer, drainer, quiet
// maintenance), the reconciler with its settings (topology included), the request store and the
// operator control. Its I/O comes in narrow (the Kubernetes calls, the view, the clock, timers,
// the Alertmanager client, logger, metrics registry), so src/controller/app.ts and the
// deterministic simulation (test/sim/controller-instance.ts) run the same wiring: a setting the
// product reads is a setting the simulation exercises.
//
// With a pools file (docs/pools.md, ADR 0021) each pool gets its own rollout store (its own lock
// annotation), runner and reconciler over its own cut of the shared view; the pools run side by
// side within their own limits. The request store, the operator control (pause, resume, reboot)
// and the metrics are shared. Without one, the default pool is the whole controller, as before.

import type { Registry } from 'prom-client';
import type { AlertmanagerClient } from '../alertmanager/alertmanager-client.ts';
import { createNodeSilencer } from '../alertmanager/node-silencer.ts';
import type { ControllerConfig } from '../config/controller-config.ts';
import { disruptionBudgetGate } from '../gates/disruption-budget-gate.ts';
import type { Gate } from '../gates/gate.ts';
import { createGateMetrics, measureGate } from '../gates/gate-metrics.ts';
import type { WorkloadGateDeps } from '../gates/workload-gate-settings.ts';
import { workloadsGate } from '../gates/workloads-gate.ts';
import { isNotFound } from '../kube/api-errors.ts';
import type { Logger } from '../log/logger.ts';
import type { Notify } from '../notify/event.ts';
import { createControl, type Control } from './operator/operator-control.ts';
import type { ClusterApi } from './cluster-api.ts';
import type { ClusterView } from './cluster/cluster-view.ts';
import { createOwnWrites } from './cluster/own-writes.ts';
import type { WorkloadSource } from './cluster/workload-view.ts';
import { createRolloutStore, type RolloutStore, type WrittenCell } from './lock/rollout-store.ts';
import type { SlotSettings } from './lock/slots.ts';
import { createEventRecorder } from './observe/events.ts';
import { createControllerMetrics, type ControllerMetrics } from './observe/metrics.ts';
import { createPerformer, type Performer } from './perform.ts';
import { createReconciler, type Reconciler } from './reconciler.ts';
import { createRequestRecorder, type RequestRecorder } from './request-recorder.ts';
import { createDrainer } from './steps/drain.ts';
import { createHookStep } from './steps/hook-step.ts';
import type { HookPoint } from '../store/hook-records.ts';
import { createWorkloadMemory } from './steps/remember-workloads.ts';
import type { HookJobCache } from './hooks/hook-job-watch.ts';
import type { Timers } from './work-loop.ts';
import { DEFAULT_POOL } from '../config/pools-file.ts';
import { conflictReason, createMembership, foreignInstallReason, type PoolMembership } from './pools/membership.ts';
import { combineReconcilers } from './pools/combined-reconciler.ts';
import { poolView } from './pools/pool-view.ts';
import { defaultPool, type PoolSpec } from './pools/pool-specs.ts';

/** The part of the configuration the decision core reads. */
export type DecisionConfig = Pick<
  ControllerConfig,
  | 'concurrency'
  | 'nodeSelector'
  | 'lock'
  | 'forceReboot'
  | 'drain'
  | 'preferNoScheduleTaint'
  | 'preRebootNodeLabels'
  | 'postRebootNodeLabels'
  | 'annotateNodes'
  | 'rebootTimeoutMs'
  | 'maxRebootAttempts'
  | 'stuckNode'
  | 'trigger'
  | 'retryBackoffMs'
  | 'gateRecheckMs'
  | 'topology'
  | 'maxNodeAgeMs'
  | 'window'
  | 'hooks'
  | 'workloadGate'
> & {
  readonly alertmanager: Pick<ControllerConfig['alertmanager'], 'silenceMatchers'>;
  /** The pools, the default first (pool-specs.ts resolvePools); absent: the default pool only. */
  readonly pools?: readonly PoolSpec[];
};

export interface DecisionCoreIo {
  readonly api: ClusterApi;
  /** Builds the watch-fed view; `onChange` wakes the decision cycle. */
  readonly view: (onChange: (reason: string) => void) => ClusterView;
  readonly gates: readonly Gate[];
  /** A pool's gates (its own window); absent or undefined for a pool: `gates`. */
  readonly poolGates?: (pool: PoolSpec) => readonly Gate[] | undefined;
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
  /**
   * The workload gate's watch (workload-view.ts); `onChange` is told the key of what changed. The
   * gate is on when this is given and --workload-gate is true.
   */
  readonly workloads?: (onChange: (key: string) => void) => WorkloadSource;
  /** Runs on every wake, before the cycle is woken (app.ts clears its status cache). */
  readonly onWake?: () => void;
  /** Builds the hook Job watch (ADR 0019), used when a hook Job template is configured; `onChange` wakes the cycle. */
  readonly hookJobs?: (onChange: (reason: string) => void) => HookJobCache;
}

/** One pool's running parts. */
export interface PoolRuntime {
  readonly spec: PoolSpec;
  readonly rollout: RolloutStore;
  readonly performer: Performer;
  readonly reconciler: Reconciler;
}

/** A node two pools' selectors match: held, and shown with this reason. */
export interface PoolConflict {
  readonly node: string;
  /** The pools whose selectors match it (empty when another install holds it). */
  readonly pools: readonly string[];
  /** The other install that has work on it (docs/pools.md, "Two installs"). */
  readonly install?: string;
  readonly reason: string;
}

export interface DecisionCore {
  readonly view: ClusterView;
  /** The default pool's store: kured's lock, and the install-wide pause, halt and resume. */
  readonly rollout: RolloutStore;
  readonly performer: Pick<Performer, 'settled'>;
  /** Every pool's reconciler as one (combined-reconciler.ts). */
  readonly reconciler: Reconciler;
  readonly requests: RequestRecorder;
  readonly control: Control;
  readonly metrics: ControllerMetrics;
  readonly slotSettings: SlotSettings;
  readonly wake: (reason: string) => void;
  /** The hook Job watch, when hook Jobs are configured and the I/O gives one (the caller starts it). */
  readonly hookJobs: HookJobCache | undefined;
  /** The workload gate's watch, when the gate is on (the caller starts and stops it). */
  readonly workloads: WorkloadSource | undefined;
  /** The pools running now, the default first. */
  pools(): readonly PoolRuntime[];
  /** The nodes two pools' selectors match now (none without pools). */
  conflicts(): readonly PoolConflict[];
  /**
   * Runs these pools from now on (a reloaded pools file, already checked): the current pools'
   * reconcilers stop between two actions and their drain passes finish before the new ones start.
   */
  replacePools(pools: readonly PoolSpec[]): Promise<void>;
}

export function buildDecisionCore(config: DecisionConfig, io: DecisionCoreIo): DecisionCore {
  const { api, log, clock } = io;
  const slotSettings: SlotSettings = { concurrency: config.concurrency, ttlMs: config.lock.ttlMs };
  // The pools running now; every wake (the view, the runners, the stores) goes to each of them
  // through the one combined reconciler, which reads this list when it is called: nothing needs a
  // reference to something built later.
  let runtimes: PoolRuntime[] = [];
  let membership: PoolMembership | undefined;
  let active = false;
  const reconciler = combineReconcilers(
    () => runtimes.map((runtime) => runtime.reconciler),
    (value) => (active = value),
    () => runtimes.map((runtime) => runtime.spec.name),
  );
  const wake = (reason: string) => {
    io.onWake?.();
    const changed = /^node (\S+)( deleted)?$/.exec(reason);
    if (changed) reportHeld(changed[1]!, changed[2] !== undefined);
    reconciler.wake(reason);
  };
  /**
   * Nodes reported as held (two pools select them, or another install has work on them), each
   * logged once while it is; only the node that changed is looked at, so a burst of node events
   * costs one lookup each.
   */
  const reported = new Set<string>();
  const reportHeld = (name: string, deleted: boolean) => {
    const node = deleted ? undefined : view.node(name);
    const member = node && membership ? membership.of(node, view.daemonSet()) : undefined;
    if (!member || member.pool !== undefined) {
      reported.delete(name);
      return;
    }
    if (reported.has(name)) return;
    reported.add(name);
    const reason = member.install ? foreignInstallReason(member.install) : conflictReason(member.conflict);
    log.warn({ node: name, pools: member.conflict, install: member.install, reason }, 'node held');
  };
  const view = io.view(wake);
  // This process's own writes the watch has not shown yet: the runners write into it, every
  // pool's cycle reads the view through it (a halt or a recovery on a node is the install's).
  const ownWrites = createOwnWrites(clock);
  // This install: its lock DaemonSet. Named on every node it writes; a node another install has
  // work on is held (membership.ts), and the controller refuses to start over one (app.ts).
  const install = `${config.lock.dsNamespace}/${config.lock.dsName}`;
  const conflicts = (): PoolConflict[] => {
    if (!membership) return [];
    const found: PoolConflict[] = [];
    const ds = view.daemonSet();
    for (const node of view.nodes()) {
      const member = membership.of(node, ds);
      if (member.pool === undefined)
        found.push({
          node: node.metadata?.name ?? '',
          pools: member.conflict,
          ...(member.install ? { install: member.install } : {}),
          reason: member.install ? foreignInstallReason(member.install) : conflictReason(member.conflict),
        });
    }
    return found;
  };
  const metrics = createControllerMetrics(io.registry, {
    nodes: () => reconciler.observed(),
    rollout: () => runtimes[0]?.rollout.current(),
    halt: () => reconciler.halt(),
    leader: io.leading,
    pools: () =>
      runtimes.map((runtime) => ({
        name: runtime.spec.name,
        concurrency: runtime.spec.concurrency,
        nodes: () => runtime.reconciler.observed(),
        rollout: () => runtime.rollout.current(),
      })),
    conflicts: () => conflicts().length,
  });
  const hookJobs = config.hooks && Object.keys(config.hooks.jobs).length > 0 ? io.hookJobs?.(wake) : undefined;
  const sets = config.alertmanager.silenceMatchers;
  const silencer =
    io.alertmanager && sets.length > 0
      ? createNodeSilencer({ client: io.alertmanager, sets, log: log.child({ component: 'silencer' }), now: clock })
      : undefined;
  const events = createEventRecorder(api, log, clock);
  // The workload gate is the install's, not a pool's: a workload a drain evicted in one pool may
  // run on the nodes of any other (ADR 0018).
  const workloadGate = buildWorkloadGate(config, io, {
    wake,
    nodes: () => reconciler.observed(),
    resumedAt: () => runtimes[0]?.rollout.current()?.resumed?.at,
    announce: (node, message) => {
      log.warn({ node, reason: message }, 'workload gate stopped waiting');
      const cached = view.node(node);
      if (cached) events.record(cached, 'waiting', message, true);
    },
  });
  const remember = workloadGate ? createWorkloadMemory({ source: workloadGate.source }) : undefined;
  const nodeGone = async (name: string) => {
    try {
      await api.readNode(name);
      return false;
    } catch (error) {
      if (isNotFound(error)) return true;
      throw error;
    }
  };

  // Pools share the lock DaemonSet: one pool's last write is what the others read next, and their
  // cycles take turns, so a halt one pool writes holds the next pool's cycle (found by the
  // simulation: two pools' cycles side by side, one halting while the other cordoned).
  const written: WrittenCell = {};
  let turn: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(run: () => Promise<T>): Promise<T> => {
    const mine = turn.then(run, run);
    turn = mine.catch(() => undefined);
    return mine;
  };

  function buildPool(spec: PoolSpec, pooled: boolean, members: PoolMembership): PoolRuntime {
    const poolLog = pooled ? log.child({ pool: spec.name }) : log;
    const poolMetrics = metrics.forPool(spec.name);
    const rollout = createRolloutStore({
      api,
      namespace: config.lock.dsNamespace,
      name: config.lock.dsName,
      lockAnnotation: spec.lockAnnotation,
      ...(spec.name === DEFAULT_POOL ? {} : { sharedLockAnnotation: config.lock.annotation }),
      watched: () => view.daemonSet(),
      written,
    });
    const settings = {
      drainDelayMs: config.drain.delayMs,
      drainTimeoutMs: config.drain.timeoutMs,
      forceReboot: config.forceReboot,
      rebootTimeoutMs: config.rebootTimeoutMs,
      maxRebootAttempts: config.maxRebootAttempts,
      recovery: config.stuckNode,
      ...(config.stuckNode.remediation ? { remediation: config.stuckNode.remediation } : {}),
      lockReleaseDelayMs: config.lock.releaseDelayMs,
      retryBackoffMs: config.retryBackoffMs,
      preferNoScheduleTaint: config.preferNoScheduleTaint,
      preRebootNodeLabels: config.preRebootNodeLabels,
      postRebootNodeLabels: config.postRebootNodeLabels,
      annotateNodes: config.annotateNodes,
      trigger: spec.trigger,
      gateRecheckMs: config.gateRecheckMs,
      lockAnnotation: spec.lockAnnotation,
      topology: spec.topology,
      maxNodeAgeMs: config.maxNodeAgeMs,
      concurrency: spec.concurrency,
      ttlMs: config.lock.ttlMs,
      ...(config.hooks
        ? {
            hooks: {
              jobs: new Set(Object.keys(config.hooks.jobs) as HookPoint[]),
              timeoutMs: config.hooks.timeoutMs,
              onFailure: config.hooks.onFailure,
            },
          }
        : {}),
      ...(pooled && spec.name !== DEFAULT_POOL ? { pool: spec.name } : {}),
      ...(pooled ? { roundPool: spec.name } : {}),
      ...(pooled ? { checkRolloutOnStart: true } : {}),
    };
    const performer = createPerformer({
      api,
      rollout,
      drainer: createDrainer(api, config.drain),
      ...(remember ? { workloads: remember } : {}),
      sinks: { log: poolLog, events, notify: io.notify, metrics: poolMetrics },
      settings,
      log: poolLog,
      lockAnnotation: spec.lockAnnotation,
      ownWrites,
      wake,
      clock,
      install,
      ...(silencer ? { silencer } : {}),
      ...(config.hooks
        ? {
            hooks: createHookStep({
              api,
              templates: config.hooks.jobs,
              namespace: config.hooks.namespace,
              timeoutMs: config.hooks.timeoutMs,
              log: poolLog.child({ component: 'hooks' }),
              metrics: poolMetrics,
              clock,
              ...(hookJobs ? { cached: (name: string) => hookJobs.job(name) } : {}),
            }),
          }
        : {}),
    });
    const poolReconciler = createReconciler({
      view: poolView(view, members, spec.name),
      ownWrites,
      ...(pooled ? { clusterNodes: () => view.nodes() } : {}),
      rollout,
      performer,
      gates: [...(io.poolGates?.(spec) ?? io.gates), ...(workloadGate?.gates ?? [])],
      settings,
      metrics: poolMetrics,
      log: poolLog,
      clock,
      // A holder of a node that belongs to another pool (it holds a slot there too, after a relabel
      // raced a start) is released like the holder of a deleted node: the node counts in that pool.
      nodeGone: pooled
        ? async (name) => {
            const node = view.node(name);
            if (node && members.of(node, view.daemonSet()).pool !== spec.name) return true;
            return nodeGone(name);
          }
        : nodeGone,
      freshNodes: () => api.listNodes(config.nodeSelector === '' ? undefined : config.nodeSelector),
      onHalt: (halt) => io.notify({ kind: 'halted', node: halt.node, reason: halt.reason }),
      ...(io.timers ? { timers: io.timers } : {}),
      ...(pooled ? { exclusive } : {}),
    });
    return { spec, rollout, performer, reconciler: poolReconciler };
  }

  const start = (specs: readonly PoolSpec[]) => {
    const pooled = specs.length > 1;
    const members = createMembership(specs, install, clock);
    membership = members;
    runtimes = specs.map((spec) => buildPool(spec, pooled, members));
  };
  start(config.pools && config.pools.length > 0 ? config.pools : [defaultPool(config)]);
  const defaultRollout = runtimes[0]!.rollout;

  const requests = createRequestRecorder({
    api,
    cached: (name) => view.node(name),
    synced: () => view.synced(),
    clock,
    onWrite: () => wake('request recorded'),
    remediationCap: config.maxRebootAttempts,
    install,
  });
  const control = createControl({ view, rollout: defaultRollout, requests, notify: io.notify, clock, wake });
  const performer = {
    async settled() {
      await Promise.all(runtimes.map((runtime) => runtime.performer.settled()));
    },
  };
  return {
    view,
    rollout: defaultRollout,
    performer,
    reconciler,
    requests,
    control,
    metrics,
    slotSettings,
    wake,
    workloads: workloadGate?.source,
    hookJobs,
    pools: () => runtimes,
    conflicts,
    async replacePools(specs) {
      const old = runtimes;
      for (const runtime of old) {
        runtime.reconciler.setActive(false);
        runtime.reconciler.stop();
      }
      await Promise.all(
        old.map(async (runtime) => {
          await runtime.reconciler.idle();
          await runtime.performer.settled();
        }),
      );
      start(specs);
      // The default pool's store keeps serving pause, resume and the status: same lock, same records.
      for (const runtime of runtimes) runtime.reconciler.setActive(active);
      wake('pools replaced');
    },
  };
}

/**
 * The workload gate (ADR 0018): its watch, whose changes wake the cycle only for what the gate
 * waits on (or its first listing), and its two halves, measured like every gate.
 */
function buildWorkloadGate(
  config: DecisionConfig,
  io: DecisionCoreIo,
  deps: Omit<WorkloadGateDeps, 'source' | 'settings'> & { wake: (reason: string) => void },
): { source: WorkloadSource; gates: Gate[] } | undefined {
  if (!config.workloadGate.enabled || !io.workloads) return undefined;
  const interest = new Set<string>();
  const source = io.workloads((key) => {
    if (interest.has(key) || key.endsWith(' listed')) deps.wake(`workload gate: ${key}`);
  });
  const settings = { timeoutMs: config.workloadGate.timeoutMs, onTimeout: config.workloadGate.onTimeout };
  const gateDeps = { ...deps, source, settings, interest };
  const metrics = createGateMetrics(io.registry);
  return { source, gates: [workloadsGate(gateDeps), disruptionBudgetGate(gateDeps)].map((gate) => measureGate(gate, metrics)) };
}
