// Footprint of an idle `kreboot agent` against the real local control plane: resident memory
// (VmRSS, and its anonymous/file split, from /proc/<pid>/status) and CPU time (utime+stime from
// /proc/<pid>/stat) over an idle window. First the shipped form — dist/kreboot-agent.cjs run with
// exactly the node flags of deploy/base/agent-daemonset.yaml — then the forms it was chosen over
// (ADR 0006): the bundle with Node's defaults or without --no-node-snapshot, tsc's dist/cli.js,
// and `node src/cli.ts` (type stripping, development only).
//
//   node bench/agent-footprint.ts [--idle=30]
//
// Target (issue 3): idle RSS ≤ 60 MB, no busy timers.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgentBundle } from '../scripts/build-bundles.ts';
import { daemonSetNodeFlags } from '../test/harness/agent/agent-bundle.ts';
import { startCluster } from '../test/harness/cluster.ts';
import { freePort } from '../test/harness/ports.ts';
import { waitFor, sleep } from '../test/harness/wait-for.ts';

const REPO = new URL('../', import.meta.url).pathname;
const IDLE_SECONDS = Number(process.argv.find((a) => a.startsWith('--idle='))?.slice(7) ?? 30);
const CLOCK_TICKS = 100; // USER_HZ on Linux

interface Variant {
  readonly name: string;
  readonly nodeArgs: readonly string[];
  readonly entry: string;
  readonly agentArgs?: readonly string[];
}

function status(pid: number): { rss: number; anon: number; file: number; hwm: number } {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), hwm: kb('VmHWM') };
}

function cpuSeconds(pid: number): number {
  // Fields after the command name (which may contain spaces): utime is the 14th field, stime the 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

const mb = (kb: number) => (kb / 1024).toFixed(1);

async function measure(variant: Variant, node: string, kubeconfig: string, dir: string) {
  const port = await freePort();
  const bootId = join(dir, 'boot_id');
  writeFileSync(bootId, 'bench-boot\n');
  const child = spawn(
    process.execPath,
    [
      ...variant.nodeArgs,
      variant.entry,
      'agent',
      `--node-id=${node}`,
      `--kubeconfig=${kubeconfig}`,
      '--metrics-host=127.0.0.1',
      `--metrics-port=${port}`,
      `--reboot-sentinel=${join(dir, 'reboot-required')}`,
      `--boot-id-file=${bootId}`,
      '--period=1h',
      ...(variant.agentArgs ?? ['--log-format=json']),
    ],
    { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const pid = child.pid!;
  try {
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/metrics`)).ok, {
      what: `${variant.name} /metrics`,
      timeoutMs: 30_000,
    });
    await sleep(5_000); // start-up garbage settles; the node report and the watch are established
    const cpuStart = cpuSeconds(pid);
    let peak = 0;
    for (let s = 0; s < IDLE_SECONDS; s++) {
      await sleep(1_000);
      peak = Math.max(peak, status(pid).rss);
    }
    const cpu = cpuSeconds(pid) - cpuStart;
    const idle = status(pid);
    await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    await sleep(500);
    const afterScrape = status(pid);
    return {
      variant: variant.name,
      idleRssMB: mb(idle.rss),
      anonMB: mb(idle.anon),
      fileMB: mb(idle.file),
      peakIdleRssMB: mb(peak),
      afterScrapeRssMB: mb(afterScrape.rss),
      cpuSecondsIdle: cpu.toFixed(2),
      cpuPercent: ((cpu / IDLE_SECONDS) * 100).toFixed(2),
    };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'kreboot-footprint-'));
  const dist = join(REPO, '.tmp/agent-footprint-dist');
  // Both built the way the image builds them (Dockerfile), into a scratch folder inside the repo so
  // node_modules resolves. Type errors elsewhere in the tree do not stop tsc from emitting.
  spawnSync(join(REPO, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', dist, '--sourceMap', 'false'], {
    cwd: REPO,
    stdio: 'ignore',
  });
  if (!existsSync(join(dist, 'cli.js'))) throw new Error('tsc did not emit cli.js');
  const bundle = join(dist, 'kreboot-agent.cjs');
  await buildAgentBundle(bundle);
  const shipped = daemonSetNodeFlags();
  const without = (flag: string) => shipped.filter((f) => f !== flag);
  const variants: Variant[] = [
    { name: `shipped: bundle ${shipped.join(' ')}`, nodeArgs: shipped, entry: bundle },
    { name: 'bundle, node defaults', nodeArgs: [], entry: bundle },
    { name: 'bundle, shipped flags but the startup snapshot', nodeArgs: without('--no-node-snapshot'), entry: bundle },
    { name: 'bundle, shipped flags but --lite-mode', nodeArgs: without('--lite-mode'), entry: bundle },
    { name: 'bundle, shipped flags, --log-format=text (logfmt)', nodeArgs: shipped, entry: bundle, agentArgs: ['--log-format=text'] },
    { name: 'tsc dist/cli.js (ESM), shipped flags', nodeArgs: shipped, entry: join(dist, 'cli.js') },
    { name: 'tsc dist/cli.js (ESM), node defaults', nodeArgs: [], entry: join(dist, 'cli.js') },
    { name: 'src/cli.ts (type stripping, development)', nodeArgs: [], entry: join(REPO, 'src/cli.ts') },
  ];
  const cluster = await startCluster();
  try {
    const [node] = await cluster.createNodes(1, { prefix: 'footprint' });
    const results = [];
    for (const variant of variants) {
      const result = await measure(variant, node!, cluster.kubeconfigPath, dir);
      results.push(result);
      process.stdout.write(`${JSON.stringify(result)}\n`);
    }
    console.table(results);
    process.stdout.write(`idle window ${IDLE_SECONDS} s; target idle RSS ≤ 60 MB\n`);
  } finally {
    await cluster.stop();
  }
}

await main();
