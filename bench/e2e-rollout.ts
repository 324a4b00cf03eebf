// Timings of the main end-to-end scenario (test/harness/scenario/scenario.ts), repeated: scenario set-up,
// sentinel → first cordon, per-node cordon → done, and the whole rollout of three nodes, with one
// control plane for all rounds. `node bench/e2e-rollout.ts [--rounds=3]`; prints a table and JSON.

import { startCluster } from '../test/harness/cluster.ts';
import { startScenario } from '../test/harness/scenario/scenario.ts';

const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.split('=')[1] ?? 3);
const cluster = await startCluster();
const results: Array<{ setupMs: number; firstCordonMs: number; cordonToDoneMs: number[]; totalMs: number }> = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const setupStart = Date.now();
    const s = await startScenario(cluster);
    const setupMs = Date.now() - setupStart;
    try {
      const chosen = s.nodes.slice(0, 3);
      const sentinelAt = Date.now();
      for (const node of chosen) s.host(node).requireReboot();
      await s.waitRebooted(chosen, 120_000).catch(async (error: unknown) => {
        process.stderr.write(`${await s.report()}\n`);
        throw error;
      });
      await cluster.waitFor(() => chosen.every((node) => s.progress.firstAt(node, 'done')), { what: 'status API shows done' });
      const totalMs = Date.now() - sentinelAt;
      const started = (node: string) =>
        s.progress.transitions.find((t) => t.node === node && ['cordoned', 'draining', 'rebooting'].includes(t.phase))!.at.getTime();
      const order = [...chosen].sort((a, b) => started(a) - started(b));
      results.push({
        setupMs,
        firstCordonMs: started(order[0]!) - sentinelAt,
        cordonToDoneMs: order.map((node) => s.progress.firstAt(node, 'done')!.getTime() - started(node)),
        totalMs,
      });
      process.stderr.write(`round ${round}: ${JSON.stringify(results.at(-1))}\n`);
    } finally {
      await s.stop();
    }
  }
} finally {
  await cluster.stop();
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const row = (label: string, values: number[]) => `| ${label} | ${median(values)} | ${Math.min(...values)}–${Math.max(...values)} |`;
console.log('| step (ms) | median | range |\n|---|---|---|');
console.log(
  row(
    'scenario set-up (nodes, workloads, 5 agents, Prometheus, Alertmanager, controller)',
    results.map((r) => r.setupMs),
  ),
);
console.log(
  row(
    'sentinel → first node cordoned',
    results.map((r) => r.firstCordonMs),
  ),
);
console.log(
  row(
    'per node: cordoned → done (drain, reboot 3 s down, verify, uncordon)',
    results.flatMap((r) => r.cordonToDoneMs),
  ),
);
console.log(
  row(
    'sentinels on 3 nodes → last node back',
    results.map((r) => r.totalMs),
  ),
);
console.log(JSON.stringify(results));
