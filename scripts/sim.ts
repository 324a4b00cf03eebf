// `npm run sim`: runs the deterministic simulation (test/sim/) for many seeds and reports each
// seed that broke an invariant, with the command that replays it.
//   --runs=N          seeds to run (default 10000), starting at --from (default 1)
//   --seed=N          one seed; with --trace prints every scheduler step
//   --trace           print the trace of the single seed
//   --workers=N       worker threads sharing the seeds (default 1: the machine may be shared)
//   --max-failures=N  stop after N failing seeds (default 20)

import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { runSimulation } from '../test/sim/simulation.ts';

interface Outcome {
  readonly seed: number;
  readonly steps: number;
  readonly reboots: number;
  readonly failure?: string;
}

// Stack traces of the many API errors the runs provoke (409, 429, lost responses) are never shown.
Error.stackTraceLimit = 0;

if (!isMainThread) {
  const { seeds } = workerData as { seeds: number[] };
  for (const seed of seeds) {
    const result = await runSimulation({ seed });
    const outcome: Outcome = {
      seed,
      steps: result.steps,
      reboots: result.rebootsStarted,
      ...(result.violation ? { failure: `${result.violation.check} violated: ${result.violation.detail}` } : {}),
    };
    parentPort!.postMessage(outcome);
  }
} else {
  await main();
}

function option(name: string): string | undefined {
  const prefix = `--${name}=`;
  const found = process.argv.slice(2).find((arg) => arg === `--${name}` || arg.startsWith(prefix));
  if (found === undefined) return undefined;
  return found.startsWith(prefix) ? found.slice(prefix.length) : '';
}

function integer(name: string, fallback: number, min = 0): number {
  const text = option(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text === '' || !Number.isSafeInteger(value) || value < min) {
    console.error(`--${name} must be an integer ≥ ${min}, got "${text}"`);
    process.exit(2);
  }
  return value;
}

async function main(): Promise<void> {
  const known = new Set(['runs', 'from', 'seed', 'trace', 'workers', 'max-failures']);
  for (const arg of process.argv.slice(2)) {
    const name = /^--([a-z-]+)/.exec(arg)?.[1];
    if (!name || !known.has(name)) {
      console.error(`unknown argument ${arg}; use --runs=N, --from=N, --seed=N, --trace, --workers=N, --max-failures=N`);
      process.exit(2);
    }
  }

  if (option('seed') !== undefined) {
    const seed = integer('seed', 0);
    const result = await runSimulation({ seed, trace: option('trace') !== undefined });
    if (result.trace) for (const line of result.trace) console.log(line);
    console.log(`seed ${seed}: ${result.summary}`);
    if (result.violation) {
      console.log(`seed ${seed}: ${result.violation.check} violated: ${result.violation.detail}`);
      if (option('trace') === undefined) console.log(`  replay: npm run sim -- --seed=${seed} --trace`);
      process.exit(1);
    }
    return;
  }

  const first = integer('from', 1);
  const runs = integer('runs', 10_000, 1);
  const workers = integer('workers', 1, 1);
  const maxFailures = integer('max-failures', 20, 1);
  const began = performance.now();
  let done = 0;
  let steps = 0;
  let reboots = 0;
  const failures: Outcome[] = [];
  const progress = () => {
    const seconds = (performance.now() - began) / 1000;
    return `${done} run(s) in ${seconds.toFixed(1)} s (${(done / seconds).toFixed(1)} runs/s, ${steps} steps, ${reboots} reboot jobs), ${failures.length} failing`;
  };
  const record = (outcome: Outcome): boolean => {
    done++;
    steps += outcome.steps;
    reboots += outcome.reboots;
    if (outcome.failure) {
      failures.push(outcome);
      console.log(`seed ${outcome.seed}: ${outcome.failure}\n  replay: npm run sim -- --seed=${outcome.seed} --trace`);
    }
    if (done % 1000 === 0) console.error(progress());
    return failures.length < maxFailures;
  };

  if (workers === 1) {
    for (let seed = first; seed < first + runs; seed++) {
      const result = await runSimulation({ seed });
      const outcome: Outcome = {
        seed,
        steps: result.steps,
        reboots: result.rebootsStarted,
        ...(result.violation ? { failure: `${result.violation.check} violated: ${result.violation.detail}` } : {}),
      };
      if (!record(outcome)) break;
    }
  } else {
    // Seeds are dealt round-robin, so each worker gets a similar mix.
    const shares: number[][] = Array.from({ length: workers }, () => []);
    for (let i = 0; i < runs; i++) shares[i % workers]!.push(first + i);
    const threads = shares.map((seeds) => new Worker(new URL(import.meta.url), { workerData: { seeds } }));
    await new Promise<void>((resolve, reject) => {
      let running = threads.length;
      for (const thread of threads) {
        thread.on('message', (outcome: Outcome) => {
          if (!record(outcome)) for (const other of threads) void other.terminate();
        });
        thread.on('error', reject);
        thread.on('exit', () => {
          if (--running === 0) resolve();
        });
      }
    });
  }
  if (failures.length >= maxFailures) console.log(`stopped after ${failures.length} failing seeds (--max-failures)`);
  const byCheck = new Map<string, number[]>();
  for (const failure of failures) {
    const check = failure.failure!.split(' ')[0]!;
    byCheck.set(check, [...(byCheck.get(check) ?? []), failure.seed]);
  }
  for (const [check, seeds] of byCheck) console.log(`${check}: ${seeds.length} seed(s), e.g. ${seeds.slice(0, 5).join(', ')}`);
  console.log(progress());
  process.exit(failures.length > 0 ? 1 : 0);
}
