// The controller under measurement, run as the image runs it: `node [flags] dist/kreboot.cjs
// controller` (the Dockerfile's ENTRYPOINT, NODE_ENV=production, no NODE_OPTIONS) with the flags of
// deploy/base/controller-deployment.yaml, plus only what the bench must set (kubeconfig, listen
// address, node selector, credential files). `--controller=src` runs src/cli.ts instead. A sampler
// reads VmRSS and CPU time from /proc every second and keeps the peak per bench phase.
// KREBOOT_BENCH_CPU_PROF=DIR adds `--cpu-prof` (a profile per run in DIR, written when it stops).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../../test/harness/binaries.ts';
import { shippedCliArgs } from '../../test/harness/controller-bundle.ts';
import { freePort } from '../../test/harness/ports.ts';
import { startProcess, type ManagedProcess } from '../../test/harness/process.ts';
import { waitFor } from '../../test/harness/wait-for.ts';
import { parseCounter, parseHistogram, type HistogramScrape } from './stats.ts';

export const WEBHOOK_TOKEN = 'scale-bench-webhook-token-5c1e';
export const ADMIN_TOKEN = 'scale-bench-admin-token-9d27';
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
  const webhookTokenFile = join(options.dir, 'webhook-token');
  const adminTokenFile = join(options.dir, 'admin-token');
  writeFileSync(webhookTokenFile, `${WEBHOOK_TOKEN}\n`);
  writeFileSync(adminTokenFile, `${ADMIN_TOKEN}\n`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The image's ENTRYPOINT: its node flags and the CLI bundle (built fresh by the harness).
  const cli = options.entry === 'dist' ? await shippedCliArgs() : [join(REPO_ROOT, 'src/cli.ts')];
  // KREBOOT_BENCH_CPU_PROF=DIR: a V8 CPU profile of each controller run, written to DIR on exit.
  const profile = process.env.KREBOOT_BENCH_CPU_PROF;
  if (profile) cli.unshift('--cpu-prof', `--cpu-prof-dir=${profile}`);
  let current: ManagedProcess | undefined;
  const runs: ManagedProcess[] = [];
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
    url,
    proc: () => current!,
    async start() {
      lastTicks = undefined;
      const run = runs.length + 1;
      const proc = startProcess(
        `controller-${run}`,
        process.execPath,
        [
          ...cli,
          'controller',
          // deploy/base/controller-deployment.yaml's arguments (namespace and credential paths ours)
          `--ds-namespace=${options.namespace}`,
          `--ds-name=${options.dsName}`,
          `--webhook-token-file=${webhookTokenFile}`,
          `--admin-token-file=${adminTokenFile}`,
          '--log-format=json',
          // what the bench must set
          `--kubeconfig=${options.kubeconfig}`,
          '--metrics-host=127.0.0.1',
          `--metrics-port=${port}`,
          `--node-selector=${options.nodeSelector}`,
        ],
        { logDir: options.dir, cwd: REPO_ROOT, env: { NODE_ENV: 'production', POD_NAME: `kreboot-controller-bench-${run}` } },
      );
      current = proc;
      runs.push(proc);
      await waitFor(
        async () => {
          if (!proc.running()) throw new Error(`controller exited: ${proc.tail(20)}`);
          return (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true;
        },
        { timeoutMs: 120_000, intervalMs: 250, what: 'the controller ready' },
      );
    },
    async stop() {
      await current?.stop(10_000);
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
      const text = await (await fetch(`${url}/metrics`)).text();
      return {
        at: Date.now(),
        cycles: parseHistogram(text, CYCLE_HISTOGRAM),
        compute: parseHistogram(text, COMPUTE_HISTOGRAM),
        cyclesTotal: parseCounter(text, CYCLE_COUNTER),
      };
    },
    transitions() {
      const out: Array<{ at: number; node: string; phase: string }> = [];
      for (const proc of runs) {
        for (const line of readFileSync(proc.logPath, 'utf8').split('\n')) {
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
    logPaths: () => runs.map((run) => run.logPath),
    logTail(lines = 40) {
      return current?.tail(lines) ?? '(not started)';
    },
  };
  return controller;
}
