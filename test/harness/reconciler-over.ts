// A reconciler over a fixed set of Nodes with nothing behind it: the view is the list, the lock
// is empty, the runner does nothing and the metrics count nothing. For tests and benches of the
// cycle's own logic (plan sharing, pending writes, the forecast's cost); what differs is passed in.

import type { V1DaemonSet, V1Node } from '@kubernetes/client-node';
import { pino } from 'pino';
import { createOwnWrites } from '../../src/controller/cluster/own-writes.ts';
import { createReconciler, type Reconciler, type ReconcilerDeps } from '../../src/controller/reconciler.ts';

/** kreboot's policy defaults, as the controller's flags give them. */
const POLICY = {
  drainDelayMs: 0,
  drainTimeoutMs: 0,
  forceReboot: false,
  rebootTimeoutMs: 30 * 60_000,
  maxRebootAttempts: 2,
  lockReleaseDelayMs: 0,
  retryBackoffMs: 5 * 60_000,
};

export function reconcilerOver(
  nodes: () => readonly V1Node[],
  options: Partial<Omit<ReconcilerDeps, 'settings'>> & { settings?: Partial<ReconcilerDeps['settings']> } = {},
): Reconciler {
  const { settings, ...rest } = options;
  return createReconciler({
    view: {
      nodes,
      node: (name) => nodes().find((node) => node.metadata?.name === name),
      daemonSet: () => ({}) as V1DaemonSet,
      synced: () => true,
      start: async () => {},
      stop: async () => {},
    },
    rollout: {
      current: () => ({ lock: { holders: [] }, paused: undefined, halted: undefined, resumed: undefined, resourceVersion: '1' }),
      update: async () => undefined as never,
    },
    performer: { perform: async () => ({}), settled: async () => {} } as never,
    gates: [],
    metrics: { cycles: { inc() {} }, cycleDuration: { startTimer: () => () => 0 }, cycleCompute: { observe() {} } } as never,
    log: pino({ level: 'silent' }),
    clock: () => new Date(),
    nodeGone: async () => false,
    ownWrites: createOwnWrites(options.clock ?? (() => new Date())),
    ...rest,
    settings: {
      ...POLICY,
      concurrency: 1,
      ttlMs: 0,
      trigger: 'alert',
      gateRecheckMs: 30_000,
      lockAnnotation: 'weave.works/kured-node-lock',
      ...settings,
    },
  });
}
