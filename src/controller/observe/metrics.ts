// Controller metrics. Gauges are computed at scrape time from the watch-fed view (no timers);
// counters and the phase-duration histogram are updated at transitions.

import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ObservedNode } from '../policy/observed-node.ts';
import type { Phase } from '../policy/progress.ts';
import type { HaltRecord, RolloutRecord } from '../lock/rollout-record.ts';

export interface ControllerMetrics {
  readonly reboots: Counter<'result'>;
  readonly phaseDuration: Histogram<'phase'>;
  readonly cycles: Counter;
}

const PHASES: readonly Phase[] = ['queued', 'waiting', 'cordoned', 'draining', 'rebooting', 'verifying', 'done', 'failed'];

export function createControllerMetrics(registry: Registry, read: { nodes: () => readonly ObservedNode[]; rollout: () => RolloutRecord | undefined; halt: () => HaltRecord | undefined; leader: () => boolean }): ControllerMetrics {
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
  return {
    reboots: new Counter({ name: 'kreboot_reboots_total', help: 'Finished node reboots by result.', labelNames: ['result'], registers: [registry] }),
    phaseDuration: new Histogram({
      name: 'kreboot_phase_duration_seconds',
      help: 'Time nodes spent in each phase.',
      labelNames: ['phase'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600],
      registers: [registry],
    }),
    cycles: new Counter({ name: 'kreboot_reconcile_cycles_total', help: 'Decision cycles run by the leader.', registers: [registry] }),
  };
}
