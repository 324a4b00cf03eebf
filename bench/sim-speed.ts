// Benchmark (issue 25): how fast the deterministic simulation runs its seeds, and proof that a
// speed-up left every seed's run as it was. Runs seeds --from … --from+--runs-1 on --workers worker
// threads (dealt round-robin, as scripts/sim.ts deals them) and prints the wall time, seeds per
// second, and the CPU time of the whole process (every thread: process.cpuUsage) per seed, which on
// this shared machine says more than the wall time; the load average is printed beside them.
// --digest=FILE writes one line per seed (steps, virtual time, reboot jobs, the violation if any);
// --compare=FILE checks this run's lines against such a file and lists every seed that differs.
//
//   node bench/sim-speed.ts [--from=1] [--runs=1000] [--workers=1] [--digest=FILE] [--compare=FILE]
//
// The CI's own command (test/unit/sim/simulation.test.ts) is `node scripts/sim.ts --runs=10000
// --workers=2`: `time` it for the wall time the target counts (bench/README.md, "Simulation speed").

import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { runSimulation } from '../test/sim/simulation.ts';

// As scripts/sim.ts: the many API errors the runs provoke never show their stacks.
Error.stackTraceLimit = 0;

/** One seed's outcome, as compared before and after a change. */
async function outcome(seed: number): Promise<string> {
  const result = await runSimulation({ seed });
  const violation = result.violation ? `${result.violation.check}: ${result.violation.detail}` : '-';
  return `${seed}\t${result.steps}\t${result.virtualMs}\t${result.rebootsStarted}\t${violation}`;
}

if (!isMainThread) {
  const { seeds } = workerData as { seeds: number[] };
  for (const seed of seeds) parentPort!.postMessage(await outcome(seed));
} else {
  const { values } = parseArgs({
    options: {
      from: { type: 'string', default: '1' },
      runs: { type: 'string', default: '1000' },
      workers: { type: 'string', default: '1' },
      digest: { type: 'string' },
      compare: { type: 'string' },
    },
  });
  const from = Number(values.from);
  const runs = Number(values.runs);
  const workers = Math.max(1, Number(values.workers));
  const loadBefore = loadavg()[0]!;
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  const lines: string[] = [];
  if (workers === 1) {
    for (let seed = from; seed < from + runs; seed++) lines.push(await outcome(seed));
  } else {
    const shares: number[][] = Array.from({ length: workers }, () => []);
    for (let i = 0; i < runs; i++) shares[i % workers]!.push(from + i);
    await Promise.all(
      shares.map(
        (seeds) =>
          new Promise<void>((resolve, reject) => {
            const worker = new Worker(new URL(import.meta.url), { workerData: { seeds } });
            worker.on('message', (line: string) => lines.push(line));
            worker.on('error', reject);
            worker.on('exit', () => resolve());
          }),
      ),
    );
  }
  const seconds = (performance.now() - began) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  lines.sort((a, b) => Number(a.split('\t')[0]) - Number(b.split('\t')[0]));
  const steps = lines.reduce((sum, line) => sum + Number(line.split('\t')[1]), 0);
  const failing = lines.filter((line) => line.split('\t')[4] !== '-').length;
  console.log(
    `seeds ${from}–${from + runs - 1} on ${workers} worker(s), ${cpus().length} CPUs, load ${loadBefore.toFixed(1)} → ${loadavg()[0]!.toFixed(1)}`,
  );
  console.log(`  wall ${seconds.toFixed(1)} s: ${(runs / seconds).toFixed(1)} seeds/s`);
  console.log(
    `  CPU ${cpuSeconds.toFixed(1)} s (all threads): ${((cpuSeconds * 1000) / runs).toFixed(2)} ms a seed, ${(runs / cpuSeconds).toFixed(1)} seeds per CPU-second`,
  );
  console.log(`  ${steps} steps (${((cpuSeconds * 1e6) / steps).toFixed(1)} µs CPU a step), ${failing} failing seed(s)`);
  if (values.digest) writeFileSync(values.digest, `${lines.join('\n')}\n`);
  if (values.compare) {
    const before = new Map(
      readFileSync(values.compare, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => [line.split('\t')[0]!, line]),
    );
    const differ = lines.filter((line) => before.has(line.split('\t')[0]!) && before.get(line.split('\t')[0]!) !== line);
    const compared = lines.filter((line) => before.has(line.split('\t')[0]!)).length;
    console.log(`  compared with ${values.compare}: ${compared} seed(s), ${differ.length} differ`);
    for (const line of differ.slice(0, 20)) console.log(`    now    ${line}\n    before ${before.get(line.split('\t')[0]!)}`);
    if (differ.length > 0) process.exitCode = 1;
  }
}
