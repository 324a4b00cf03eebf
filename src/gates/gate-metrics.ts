// Per-gate metrics, computed at scrape time from each gate's last evaluation:
//   kreboot_gate_blocked_nodes{gate}                        nodes the gate held back in its last cycle
//   kreboot_gate_last_evaluation_timestamp_seconds{gate}    when that was
//   kreboot_gate_evaluation_duration_seconds{gate}          how long evaluate() took (histogram)
// measureGate wraps any Gate, so the lead's pause/halt gates can be measured the same way.

import { Gauge, Histogram, type Registry } from 'prom-client';
import { evaluateGate } from './evaluate-gates.ts';
import type { Gate } from './gate.ts';

export interface GateMetrics {
  observe(gate: string, blockedNodes: number, at: Date, seconds: number): void;
}

// One set per registry: prom-client refuses a second metric of the same name, and buildGates may
// run twice on one registry (tests). Keyed by the injected registry, so no global state leaks.
const perRegistry = new WeakMap<Registry, GateMetrics>();

export function createGateMetrics(registry: Registry): GateMetrics {
  const existing = perRegistry.get(registry);
  if (existing) return existing;
  const last = new Map<string, { blockedNodes: number; at: number }>();
  new Gauge({
    name: 'kreboot_gate_blocked_nodes',
    help: 'Nodes waiting to start a reboot that the gate held back at its last evaluation',
    labelNames: ['gate'],
    registers: [registry],
    collect() {
      for (const [gate, value] of last) this.set({ gate }, value.blockedNodes);
    },
  });
  new Gauge({
    name: 'kreboot_gate_last_evaluation_timestamp_seconds',
    help: "Unix time of the gate's last evaluation",
    labelNames: ['gate'],
    registers: [registry],
    collect() {
      for (const [gate, value] of last) this.set({ gate }, value.at / 1000);
    },
  });
  const duration = new Histogram({
    name: 'kreboot_gate_evaluation_duration_seconds',
    help: 'How long one evaluation of the gate took (a Prometheus query, a pod list)',
    labelNames: ['gate'],
    buckets: [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const metrics: GateMetrics = {
    observe(gate, blockedNodes, at, seconds) {
      last.set(gate, { blockedNodes, at: at.getTime() });
      duration.observe({ gate }, seconds);
    },
  };
  perRegistry.set(registry, metrics);
  return metrics;
}

/** The same gate, recording its metrics; an evaluate() that throws becomes "blocked" with the error (evaluateGate). */
export function measureGate(gate: Gate, metrics: GateMetrics): Gate {
  return {
    name: gate.name,
    async evaluate(input) {
      const started = performance.now();
      const answer = await evaluateGate(gate, input);
      const blockedNodes = input.nodes.filter((node) => !answer(node).open).length;
      metrics.observe(gate.name, blockedNodes, input.now, (performance.now() - started) / 1000);
      return answer;
    },
  };
}
