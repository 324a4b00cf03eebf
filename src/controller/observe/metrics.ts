// Controller metrics. Gauges are computed at scrape time from the watch-fed view (no timers);
// counters and the duration histograms are updated at transitions and decision cycles.
// kreboot_node_rebooting{node} is for the people on call: an alert on it inhibits the node alerts a
// planned reboot would raise (alertmanager/inhibit-during-reboot.yml).
// With a pools file (docs/pools.md) the node and reboot series carry a `pool` label, and
// kreboot_pool_* say each pool's limit, members and the nodes two pools claim; without one the
// series are exactly as before (no label that would always say "default").

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ObservedNode } from '../policy/observed-node.ts';
import { isInFlight, PHASES, type Phase } from '../../store/node-progress.ts';
import type { HaltRecord, RolloutRecord } from '../../store/rollout-record.ts';
import { VERSION } from '../../version.ts';
import { waitingReason } from './waiting-reasons.ts';

export interface ControllerMetrics {
  readonly reboots: { inc(labels: { result: string }, value?: number): void };
  readonly phaseDuration: { observe(labels: { phase: string }, value: number): void };
  readonly cycles: { inc(): void };
  /** Wall time of one decision cycle of the leader (gates, decisions and the writes they make). */
  readonly cycleDuration: { startTimer(): () => number };
  /**
   * The cycle's own computing time (observing, planning, deciding), without the API calls and gate
   * queries it awaits: what kreboot owns of the decision time, apart from the API's latency.
   */
  readonly cycleCompute: { observe(seconds: number): void };
  /** A whole reboot, cordon to done (or to failed). */
  readonly rebootDuration: { observe(labels: { result: string }, value: number): void };
  /** Hooks around the reboot (ADR 0019), from the run's start to its outcome. */
  readonly hookDuration: { observe(labels: { point: string; kind: string; outcome: string }, value: number): void };
}

/** One pool as the metrics read it at scrape time. */
export interface PoolReading {
  readonly name: string;
  readonly concurrency: number;
  nodes(): readonly ObservedNode[];
  rollout(): RolloutRecord | undefined;
}

export interface ControllerMetricsSet extends ControllerMetrics {
  /** The transition and cycle metrics of one pool (its reboots carry its `pool` label when there are pools). */
  forPool(pool: string): ControllerMetrics;
}

export function createControllerMetrics(
  registry: Registry,
  read: {
    nodes: () => readonly ObservedNode[];
    rollout: () => RolloutRecord | undefined;
    halt: () => HaltRecord | undefined;
    leader: () => boolean;
    /** The pools (docs/pools.md); absent or only the default pool: no `pool` label. */
    pools?: () => readonly PoolReading[];
    /** Nodes two pools' selectors match (held). */
    conflicts?: () => number;
  },
): ControllerMetricsSet {
  const pooled = () => (read.pools?.().length ?? 1) > 1;
  /** Each pool's nodes with the labels its series carry (none but the metric's own without pools). */
  const groups = (): { labels: { pool?: string }; nodes: readonly ObservedNode[]; rollout: RolloutRecord | undefined }[] =>
    pooled()
      ? read.pools!().map((pool) => ({ labels: { pool: pool.name }, nodes: pool.nodes(), rollout: pool.rollout() }))
      : [{ labels: {}, nodes: read.nodes(), rollout: read.rollout() }];
  new Gauge({
    name: 'kreboot_nodes',
    help: 'Nodes by reboot phase (nodes kreboot has never touched are not counted); by pool with a pools file.',
    labelNames: ['phase', 'pool'],
    registers: [registry],
    collect() {
      this.reset();
      for (const group of groups()) {
        const counts = new Map<Phase, number>(PHASES.map((phase) => [phase, 0]));
        for (const node of group.nodes) if (node.progress) counts.set(node.progress.phase, (counts.get(node.progress.phase) ?? 0) + 1);
        for (const [phase, count] of counts) this.set({ phase, ...group.labels }, count);
      }
    },
  });
  new Gauge({
    name: 'kreboot_node_rebooting',
    help: '1 while kreboot has the node in flight (cordoned, draining, rebooting or verifying), else 0; for inhibiting node alerts during a planned reboot.',
    labelNames: ['node', 'pool'],
    registers: [registry],
    collect() {
      // Reset first: a node deleted from the cluster must not keep its last value.
      this.reset();
      for (const group of groups())
        for (const node of group.nodes)
          if (node.progress || node.request) this.set({ node: node.name, ...group.labels }, isInFlight(node.progress) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'kreboot_nodes_waiting',
    help: 'Nodes asking for a reboot that wait, by what holds them: a gate (maintenance-window, prometheus-alerts, blocking-pods, paused, halted, …), concurrency, zone, zone-by-zone, or queued.',
    labelNames: ['reason', 'pool'],
    registers: [registry],
    collect() {
      this.reset();
      for (const group of groups()) {
        const counts = new Map<string, number>();
        for (const node of group.nodes) {
          const reason = waitingReason(node);
          if (reason) counts.set(reason, (counts.get(reason) ?? 0) + 1);
        }
        for (const [reason, count] of counts) this.set({ reason, ...group.labels }, count);
      }
    },
  });
  new Gauge({
    name: 'kreboot_pool_concurrency',
    help: "Each pool's concurrency (nodes it may have out of service at once); the default pool is --concurrency.",
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      this.reset();
      for (const pool of read.pools?.() ?? []) this.set({ pool: pool.name }, pool.concurrency);
    },
  });
  new Gauge({
    name: 'kreboot_pool_members',
    help: 'Nodes in each pool (the default pool: the nodes no pool selects).',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      this.reset();
      for (const pool of read.pools?.() ?? []) this.set({ pool: pool.name }, pool.nodes().length);
    },
  });
  new Gauge({
    name: 'kreboot_pool_conflicts',
    help: 'Nodes the selectors of two pools match: held, never rebooted, until their labels or the selectors change.',
    registers: [registry],
    collect() {
      this.set(read.conflicts?.() ?? 0);
    },
  });
  new Gauge({
    name: 'kreboot_build_info',
    help: 'Always 1; the labels say which kreboot and which Node.js this controller runs.',
    labelNames: ['version', 'nodejs'],
    registers: [registry],
  }).set({ version: VERSION, nodejs: process.version }, 1);
  new Gauge({
    name: 'kreboot_lock_holders',
    help: 'Holders of the reboot lock (nodes in flight, plus foreign holders such as a manual pause); one lock per pool.',
    labelNames: ['pool'],
    registers: [registry],
    collect() {
      this.reset();
      for (const group of groups()) this.set(group.labels, group.rollout?.lock?.holders.length ?? 0);
    },
  });
  new Gauge({
    name: 'kreboot_rollout_halted',
    help: '1 while the rollout is halted by a node that did not come back, until an operator resumes.',
    registers: [registry],
    collect() {
      this.set(read.halt() ? 1 : 0);
    },
  });
  new Gauge({
    name: 'kreboot_rollout_paused',
    help: '1 while the rollout is paused (kreboot pause, or a foreign lock holder).',
    registers: [registry],
    collect() {
      const rollout = read.rollout();
      this.set(rollout?.paused || rollout?.lock?.holders.some((holder) => !holder.ours) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'kreboot_leader',
    help: '1 when this replica is the active leader.',
    registers: [registry],
    collect() {
      this.set(read.leader() ? 1 : 0);
    },
  });
  const reboots = new Counter({
    name: 'kreboot_reboots_total',
    help: 'Finished node reboots by result.',
    labelNames: ['result', 'pool'],
    registers: [registry],
  });
  // Both results exist from the start, so "no failures" is a 0 on a dashboard, not "no data".
  for (const result of ['succeeded', 'failed']) reboots.inc({ result }, 0);
  const rebootDuration = new Histogram({
    name: 'kreboot_reboot_duration_seconds',
    help: 'Whole reboots, from the cordon to done or failed, by result.',
    labelNames: ['result', 'pool'],
    buckets: [15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
    registers: [registry],
  });
  const hookDuration = new Histogram({
    name: 'kreboot_hook_duration_seconds',
    help: 'Hooks around the reboot, from their start to their outcome, by hook point (pre-drain, post-reboot), kind (job, host) and outcome (succeeded, failed, timed-out).',
    labelNames: ['point', 'kind', 'outcome', 'pool'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers: [registry],
  });
  const phaseDuration = new Histogram({
    name: 'kreboot_phase_duration_seconds',
    help: 'Time nodes spent in each phase.',
    labelNames: ['phase', 'pool'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers: [registry],
  });
  const shared = {
    reboots,
    rebootDuration,
    hookDuration,
    phaseDuration,
    cycles: new Counter({ name: 'kreboot_reconcile_cycles_total', help: 'Decision cycles run by the leader.', registers: [registry] }),
    cycleDuration: new Histogram({
      name: 'kreboot_decision_cycle_duration_seconds',
      help: "Wall time of the leader's decision cycles: gate evaluation, decisions and the writes they make.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    cycleCompute: new Histogram({
      name: 'kreboot_decision_cycle_compute_seconds',
      help: "The leader's decision cycles without what they await: observing, planning and deciding (no API calls, no gate queries).",
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
  return {
    ...shared,
    forPool(pool) {
      const tag = <L extends object>(labels: L): L => (pooled() ? { ...labels, pool } : labels);
      return {
        reboots: { inc: (labels, value) => reboots.inc(tag(labels), value) },
        rebootDuration: { observe: (labels, value) => rebootDuration.observe(tag(labels), value) },
        phaseDuration: { observe: (labels, value) => phaseDuration.observe(tag(labels), value) },
        hookDuration: { observe: (labels, value) => hookDuration.observe(tag(labels), value) },
        cycles: shared.cycles,
        cycleDuration: shared.cycleDuration,
        cycleCompute: shared.cycleCompute,
      };
    },
  };
}
