// GET /api/v1/plan at 5,000 pending nodes (issue 26, item 9): the time one computation holds the
// event loop, measured on the reconciler's forecast() over a fixed view of Nodes (requests
// recorded, 3 zones) with a gate that answers at once (no Prometheus: what is measured is the
// controller's own work). Three figures: forecast() alone (the wave loop), a cold plan per call
// (the controller heard of a change before each), and 20 concurrent calls.
// Run: node bench/plan.ts [--nodes=5000] [--concurrency=1] [--runs=5]

import { parseArgs } from 'node:util';
import type { V1Node } from '@kubernetes/client-node';
import { forecast } from '../src/controller/policy/forecast.ts';
import { observeNode } from '../src/controller/policy/observed-node.ts';
import { reconcilerOver } from '../test/harness/reconciler-over.ts';
import type { Gate } from '../src/gates/gate.ts';
import { CONTROLLER } from '../src/store/keys.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '5000' },
    concurrency: { type: 'string', default: '1' },
    runs: { type: 'string', default: '5' },
  },
});
const count = Number(values.nodes);
const concurrency = Number(values.concurrency);
const runs = Number(values.runs);
const now = new Date();
const ZONES = ['zone-a', 'zone-b', 'zone-c'];

const nodes: V1Node[] = Array.from({ length: count }, (_, i) => ({
  metadata: {
    name: `node-${String(i).padStart(5, '0')}`,
    resourceVersion: '1',
    labels: { 'topology.kubernetes.io/zone': ZONES[i % ZONES.length]! },
    annotations: { [CONTROLLER.request]: JSON.stringify({ at: new Date(now.getTime() - 60_000 - i).toISOString(), kind: 'alert' }) },
  },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
}));
let evaluations = 0;
const gate: Gate = {
  name: 'prometheus-alerts',
  async evaluate() {
    evaluations++;
    return () => ({ open: true });
  },
};
const topology = { zoneLabel: 'topology.kubernetes.io/zone', maxUnavailablePerZone: 1, zoneByZone: false, nodeOrder: [] };
const settings = { concurrency, ttlMs: 0 };
const reconciler = reconcilerOver(() => nodes, {
  gates: [gate],
  settings: { ...settings, topology },
  clock: () => now,
});
reconciler.stop();

const median = (samples: number[]) => [...samples].sort((a, b) => a - b)[Math.floor(samples.length / 2)]!;
const observed = nodes.map(observeNode);
const pure: number[] = [];
for (let run = 0; run < runs; run++) {
  const t0 = performance.now();
  forecast({ nodes: observed, lock: { holders: [] }, settings, topology, held: undefined, verdict: () => ({ open: true }), now });
  pure.push(performance.now() - t0);
}
const cold: number[] = [];
for (let run = 0; run < runs; run++) {
  reconciler.wake('bench: a change');
  const t0 = performance.now();
  await reconciler.forecast();
  cold.push(performance.now() - t0);
}
reconciler.wake('bench: a change');
const before = evaluations;
const t0 = performance.now();
await Promise.all(Array.from({ length: 20 }, () => reconciler.forecast()));
const concurrent = performance.now() - t0;

console.log(`pending nodes ${count}, concurrency ${concurrency}, 3 zones, --max-unavailable-per-zone=1, ${runs} runs (median)`);
console.log(`forecast() alone (the wave loop): ${median(pure).toFixed(1)} ms`);
console.log(`GET /api/v1/plan cold, per call:  ${median(cold).toFixed(1)} ms`);
console.log(`20 concurrent calls: ${concurrent.toFixed(1)} ms in all, ${evaluations - before} gate evaluation(s)`);
