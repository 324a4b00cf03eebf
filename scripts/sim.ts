// `npm run sim`: runs the deterministic simulation (test/sim/) for many seeds and reports each
// seed that broke an invariant with the command that replays it.
//   --runs=N     seeds to run (default 10000), from --from (default 1)
//   --seed=N     one seed; with --trace prints every scheduler step
//   --trace      print the trace of a single seed (and of failing seeds)

import { runSimulation } from '../test/sim/simulation.ts';

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  const found = process.argv.slice(2).find((arg) => arg === `--${name}` || arg.startsWith(prefix));
  if (found === undefined) return undefined;
  return found.startsWith(prefix) ? found.slice(prefix.length) : '';
}

function integer(name: string, fallback: number): number {
  const text = option(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0) {
    console.error(`--${name} must be a non-negative integer, got "${text}"`);
    process.exit(2);
  }
  return value;
}

const known = new Set(['runs', 'from', 'seed', 'trace', 'max-failures']);
for (const arg of process.argv.slice(2)) {
  const name = /^--([a-z-]+)/.exec(arg)?.[1];
  if (!name || !known.has(name)) {
    console.error(`unknown argument ${arg}; use --runs=N, --from=N, --seed=N, --trace, --max-failures=N`);
    process.exit(2);
  }
}

const trace = option('trace') !== undefined;
const single = option('seed') === undefined ? undefined : integer('seed', 0);
const first = single ?? integer('from', 1);
const runs = single === undefined ? integer('runs', 10_000) : 1;
const maxFailures = integer('max-failures', 20);

const began = performance.now();
let failures = 0;
let steps = 0;
let reboots = 0;
for (let seed = first; seed < first + runs; seed++) {
  const result = await runSimulation({ seed, trace: trace && single !== undefined });
  steps += result.steps;
  reboots += result.rebootsStarted;
  if (single !== undefined) {
    if (result.trace) for (const line of result.trace) console.log(line);
    console.log(`seed ${seed}: ${result.summary}`);
  }
  if (result.violation) {
    failures++;
    console.log(`seed ${seed}: ${result.violation.check} violated: ${result.violation.detail}`);
    console.log(`  replay: npm run sim -- --seed=${seed} --trace`);
    if (failures >= maxFailures) {
      console.log(`stopping after ${failures} failing seeds (--max-failures)`);
      break;
    }
  }
  if (single === undefined && (seed - first + 1) % 1000 === 0) {
    const seconds = (performance.now() - began) / 1000;
    console.error(`${seed - first + 1} runs, ${failures} failing, ${((seed - first + 1) / seconds).toFixed(0)} runs/s`);
  }
}
const seconds = (performance.now() - began) / 1000;
console.log(`${runs} run(s) in ${seconds.toFixed(1)} s (${(runs / seconds).toFixed(0)} runs/s, ${steps} steps, ${reboots} reboot jobs), ${failures} failing`);
process.exit(failures > 0 ? 1 : 0);
