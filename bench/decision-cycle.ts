// The decision cycle's own time at N pending nodes (issue 25): the reconciler over a fixed view of
// N Nodes that all ask for a reboot and wait for a slot (a patch night: every one reboot-required,
// recorded `queued`), one node in flight, 3 zones, a runner that writes nothing. What is left is
// kreboot's own work per cycle: observing, planning, deciding every node. Prints the cycle's wall
// time and its compute time (kreboot_decision_cycle_compute_seconds) p50/p99/max over --cycles.
// Run: node bench/decision-cycle.ts [--nodes=5000] [--cycles=200]

import { parseArgs } from 'node:util';
import type { V1Node } from '@kubernetes/client-node';
import { reconcilerOver } from '../test/harness/reconciler-over.ts';
import { AGENT, CONTROLLER } from '../src/store/keys.ts';
import { percentile } from './scale/stats.ts';

const { values } = parseArgs({ options: { nodes: { type: 'string', default: '5000' }, cycles: { type: 'string', default: '200' } } });
const count = Number(values.nodes);
const cycles = Number(values.cycles);
const now = new Date();
const ZONES = ['zone-a', 'zone-b', 'zone-c'];
const queued = JSON.stringify({ phase: 'queued', since: now.toISOString(), reason: 'waiting for a free slot' });
const nodes: V1Node[] = Array.from({ length: count }, (_, i) => ({
  metadata: {
    name: `node-${String(i).padStart(5, '0')}`,
    resourceVersion: '1',
    labels: { 'topology.kubernetes.io/zone': ZONES[i % ZONES.length]! },
    annotations: {
      [CONTROLLER.request]: JSON.stringify({ at: new Date(now.getTime() - 60_000 - i).toISOString(), kind: 'alert' }),
      [AGENT.rebootRequired]: 'true',
      [AGENT.bootId]: `boot-${i}`,
      [AGENT.sentinelCheckedAt]: now.toISOString(),
      ...(i === 0 ? {} : { [CONTROLLER.state]: queued }),
    },
  },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
}));
const compute: number[] = [];
// A clock a second further on for each cycle: the cycles measured are not paced (reconciler.ts).
let clockMs = now.getTime();
const reconciler = reconcilerOver(() => nodes, {
  clock: () => new Date(clockMs),
  metrics: {
    cycles: { inc() {} },
    cycleDuration: { startTimer: () => () => 0 },
    cycleCompute: { observe: (seconds: number) => compute.push(seconds * 1000) },
  } as never,
});
reconciler.setActive(true);
await reconciler.idle();
compute.length = 0;
const wall: number[] = [];
for (let i = 0; i < cycles; i++) {
  // A change to one node, as a webhook's write or a watch event brings.
  const touched = nodes[1 + (i % (count - 1))]!;
  nodes[nodes.indexOf(touched)] = { ...touched, metadata: { ...touched.metadata, resourceVersion: String(2 + i) } };
  clockMs += 1000;
  const started = performance.now();
  reconciler.wake('bench: a change');
  await reconciler.idle();
  wall.push(performance.now() - started);
}
reconciler.stop();
const row = (xs: number[]) =>
  `p50 ${percentile(xs, 50)!.toFixed(1)} / p99 ${percentile(xs, 99)!.toFixed(1)} / max ${percentile(xs, 100)!.toFixed(1)} ms`;
console.log(`${count} pending nodes, ${cycles} cycles (one node changed before each)`);
console.log(`cycle wall time:    ${row(wall)}`);
console.log(`cycle compute time: ${row(compute)}`);
