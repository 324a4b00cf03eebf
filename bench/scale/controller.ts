// The controller under measurement, run as the image runs it: `node [flags] dist/kreboot.cjs
// controller` (the Dockerfile's ENTRYPOINT and runtime ENV, no NODE_OPTIONS) with the flags of
// deploy/base/controller-deployment.yaml, plus only what the bench must set (kubeconfig, listen
// address, node selector, credential files). `--controller=src` runs src/cli.ts instead. A sampler
// reads VmRSS and CPU time from /proc every second and keeps the peak per bench phase.
// KREBOOT_BENCH_CPU_PROF=DIR adds `--cpu-prof` (a profile per run in DIR, written when it stops).

import { readFileSync } from 'node:fs';
import { imageEnv } from '../../test/harness/controller/controller-bundle.ts';
import { createController } from '../../test/harness/controller/controller-process.ts';
import type { ManagedProcess } from '../../test/harness/process.ts';
import { parseCounter, parseHistogram, type HistogramScrape } from './stats.ts';

export { WEBHOOK_TOKEN } from '../../test/harness/controller/controller-process.ts';
export const CYCLE_HISTOGRAM = 'kreboot_decision_cycle_duration_seconds';
export const CYCLE_COUNTER = 'kreboot_reconcile_cycles_total';
/** The cycle's own time without the API calls it awaits (issue 25); empty on builds before it. */
export const COMPUTE_HISTOGRAM = 'kreboot_decision_cycle_compute_seconds';

export interface MetricsScrape {
  readonly at: number;
  readonly cycles: HistogramScrape;
  readonly compute: HistogramScrape;
  readonly cyclesTotal: number;
}

export interface BenchController {
  readonly url: string;
  proc(): ManagedProcess;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Sets the phase the RSS and CPU samples are charged to. */
  phase(name: string): void;
  peakRssMb(phase: string): number | undefined;
  cpuSeconds(phase: string): number | undefined;
  metrics(): Promise<MetricsScrape>;
  /** Every `node transition` line of every run, with the controller's own time. */
  transitions(): Array<{ at: number; node: string; phase: string }>;
  logTail(lines?: number): string;
  /** The log file of each run, oldest first. */
  logPaths(): string[];
}

function rssKb(pid: number): number | undefined {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
  } catch {
    return undefined;
  }
}

/** utime + stime in clock ticks (USER_HZ is 100 on Linux). */
function cpuTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

export async function createBenchController(options: {
  dir: string;
  kubeconfig: string;
  namespace: string;
  dsName: string;
  nodeSelector: string;
  entry: 'dist' | 'src';
}): Promise<BenchController> {
  // deploy/base/controller-deployment.yaml's arguments (namespace and credential paths ours), the
  // image's environment, and what the bench must set (kubeconfig, listen address, node selector).
  const launched = await createController({
    dir: options.dir,
    kubeconfigPath: options.kubeconfig,
    namespace: options.namespace,
    dsName: options.dsName,
    nodeSelector: options.nodeSelector,
    name: 'kreboot-controller-bench',
    shipped: options.entry === 'dist',
    webhookAuth: 'token',
    logLevel: 'info',
    shortLease: false,
    // KREBOOT_BENCH_CPU_PROF=DIR: a V8 CPU profile of each controller run, written to DIR on exit.
    env: {
      // The image's runtime ENV (NODE_ENV, MALLOC_ARENA_MAX): "as shipped" includes the allocator.
      ...imageEnv(),
      ...(process.env.KREBOOT_BENCH_CPU_PROF ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.KREBOOT_BENCH_CPU_PROF}` } : {}),
    },
    readyTimeoutMs: 120_000,
  });
  let current: ManagedProcess | undefined;
  let phase = 'start';
  const peaks = new Map<string, number>();
  const cpu = new Map<string, number>();
  let lastTicks: number | undefined;

  const sampler = setInterval(() => {
    if (!current?.running()) return;
    const kb = rssKb(current.pid);
    if (kb !== undefined) peaks.set(phase, Math.max(peaks.get(phase) ?? 0, kb));
    const ticks = cpuTicks(current.pid);
    if (ticks !== undefined) {
      if (lastTicks !== undefined && ticks >= lastTicks) cpu.set(phase, (cpu.get(phase) ?? 0) + (ticks - lastTicks) / 100);
      lastTicks = ticks;
    }
  }, 1000);
  sampler.unref();

  const controller: BenchController = {
    url: launched.url,
    proc: () => launched.proc,
    async start() {
      lastTicks = undefined;
      await launched.start();
      current = launched.proc;
    },
    async stop() {
      await launched.stop(10_000);
    },
    phase(name) {
      phase = name;
    },
    peakRssMb(name) {
      const kb = peaks.get(name);
      return kb === undefined ? undefined : Math.round(kb / 102.4) / 10;
    },
    cpuSeconds(name) {
      const seconds = cpu.get(name);
      return seconds === undefined ? undefined : Math.round(seconds * 10) / 10;
    },
    async metrics() {
      const text = await (await fetch(`${launched.url}/metrics`)).text();
      return {
        at: Date.now(),
        cycles: parseHistogram(text, CYCLE_HISTOGRAM),
        compute: parseHistogram(text, COMPUTE_HISTOGRAM),
        cyclesTotal: parseCounter(text, CYCLE_COUNTER),
      };
    },
    transitions() {
      const out: Array<{ at: number; node: string; phase: string }> = [];
      for (const logPath of launched.logPaths()) {
        for (const line of readFileSync(logPath, 'utf8').split('\n')) {
          if (!line.includes('"node transition"')) continue;
          try {
            const entry = JSON.parse(line) as { time: string | number; node: string; phase: string };
            out.push({ at: typeof entry.time === 'number' ? entry.time : Date.parse(entry.time), node: entry.node, phase: entry.phase });
          } catch {
            // a line cut by a kill
          }
        }
      }
      return out.sort((a, b) => a.at - b.at);
    },
    logPaths: () => launched.logPaths(),
    logTail: (lines = 40) => launched.logTail(lines),
  };
  return controller;
}
