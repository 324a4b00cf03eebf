// Controller metrics. Gauges are computed at scrape time from the watch-fed view (no timers);
// counters and the duration histograms are updated at transitions and decision cycles.
// kreboot_node_rebooting{node} is for the people on call: an alert on it inhibits the node alerts a
// planned reboot would raise (alertmanager/inhibit-during-reboot.yml).

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ObservedNode } from '../policy/observed-node.ts';
import { isInFlight, PHASES, type Phase } from '../../store/node-progress.ts';
import type { HaltRecord, RolloutRecord } from '../../store/rollout-record.ts';
import { VERSION } from '../../version.ts';
import { waitingReason } from './waiting-reasons.ts';

export interface ControllerMetrics {
  readonly reboots: Counter<'result'>;
  readonly phaseDuration: Histogram<'phase'>;
  readonly cycles: Counter;
  /** Wall time of one decision cycle of the leader (gates, decisions and the writes they make). */
  readonly cycleDuration: Histogram;
  /** A whole reboot, cordon to done (or to failed). */
  readonly rebootDuration: Histogram<'result'>;
  /** Hooks around the reboot (ADR 0019), from the run's start to its outcome. */
  readonly hookDuration: Histogram<'point' | 'kind' | 'outcome'>;
}

export function createControllerMetrics(
  registry: Registry,
  read: {
    nodes: () => readonly ObservedNode[];
    rollout: () => RolloutRecord | undefined;
    halt: () => HaltRecord | undefined;
    leader: () => boolean;
  },
): ControllerMetrics {
  new Gauge({
    name: 'kreboot_nodes',
    help: 'Nodes by reboot phase (nodes kreboot has never touched are not counted).',
    labelNames: ['phase'],
    registers: [registry],
    collect() {
      const counts = new Map<Phase, number>(PHASES.map((phase) => [phase, 0]));
      for (const node of read.nodes()) if (node.progress) counts.set(node.progress.phase, (counts.get(node.progress.phase) ?? 0) + 1);
      for (const [phase, count] of counts) this.set({ phase }, count);
    },
  });
  new Gauge({
    name: 'kreboot_node_rebooting',
    help: '1 while kreboot has the node in flight (cordoned, draining, rebooting or verifying), else 0; for inhibiting node alerts during a planned reboot.',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      // Reset first: a node deleted from the cluster must not keep its last value.
      this.reset();
      for (const node of read.nodes()) if (node.progress || node.request) this.set({ node: node.name }, isInFlight(node.progress) ? 1 : 0);
    },
  });
  new Gauge({
    name: 'kreboot_nodes_waiting',
    help: 'Nodes asking for a reboot that wait, by what holds them: a gate (maintenance-window, prometheus-alerts, blocking-pods, paused, halted, …), concurrency, zone, zone-by-zone, or queued.',
    labelNames: ['reason'],
    registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const node of read.nodes()) {
        const reason = waitingReason(node);
        if (reason) counts.set(reason, (counts.get(reason) ?? 0) + 1);
      }
      for (const [reason, count] of counts) this.set({ reason }, count);
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
    help: 'Holders of the reboot lock (nodes in flight, plus foreign holders such as a manual pause).',
    registers: [registry],
    collect() {
      this.set(read.rollout()?.lock?.holders.length ?? 0);
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
    labelNames: ['result'],
    registers: [registry],
  });
  // Both results exist from the start, so "no failures" is a 0 on a dashboard, not "no data".
  for (const result of ['succeeded', 'failed']) reboots.inc({ result }, 0);
  const rebootDuration = new Histogram({
    name: 'kreboot_reboot_duration_seconds',
    help: 'Whole reboots, from the cordon to done or failed, by result.',
    labelNames: ['result'],
    buckets: [15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200],
    registers: [registry],
  });
  const hookDuration = new Histogram({
    name: 'kreboot_hook_duration_seconds',
    help: 'Hooks around the reboot, from their start to their outcome, by hook point (pre-drain, post-reboot), kind (job, host) and outcome (succeeded, failed, timed-out).',
    labelNames: ['point', 'kind', 'outcome'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
    registers: [registry],
  });
  return {
    reboots,
    rebootDuration,
    hookDuration,
    phaseDuration: new Histogram({
      name: 'kreboot_phase_duration_seconds',
      help: 'Time nodes spent in each phase.',
      labelNames: ['phase'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers: [registry],
    }),
    cycles: new Counter({ name: 'kreboot_reconcile_cycles_total', help: 'Decision cycles run by the leader.', registers: [registry] }),
    cycleDuration: new Histogram({
      name: 'kreboot_decision_cycle_duration_seconds',
      help: "Wall time of the leader's decision cycles: gate evaluation, decisions and the writes they make.",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
  };
}
