// Benchmark (issue 25): the controller's memory as shipped, and what each memory setting changes.
// One private control plane with N KWOK nodes in 3 zones, every node carrying its agent's report
// (reboot required, as on a patch night: bench/scale/node-agents.ts), and no pods (the controller
// does not watch pods). Then, one after the other on that same cluster, one controller process per
// variant, each started as the image starts it (the Dockerfile's ENTRYPOINT node flags and runtime
// ENV, the CLI bundle built fresh, deploy/base's flags) with the variant's changes on top:
//   1. sync: until it leads with every node in its status;
//   2. idle: --idle-seconds with nothing asked (VmRSS sampled every second: peak and last);
//   3. status: GET /api/v1/status and GET / three times each;
//   4. burst (--burst=K, default 0; after every variant's idle, in a second pass over fresh processes):
//      K one-node webhooks, 50 in flight, then the same K resolved,
//      then until nothing is in flight (the fake agents reboot what started meanwhile).
// Prints per variant: VmRSS (peak per phase, with RssAnon/RssFile at the end of idle), the V8 heap
// in use (nodejs_heap_size_used_bytes) and the CPU seconds of the idle phase.
//
//   node bench/controller-memory.ts --nodes=5000 [--idle-seconds=60] [--burst=0]
//     [--variants='shipped;MALLOC_ARENA_MAX=unset'] [--json=out.json]
//
// A variant is a space-separated list of changes to the shipped start: NAME=VALUE sets an
// environment variable (NAME=unset removes one the Dockerfile sets), --flag[=value] adds or
// replaces a node flag, -flag removes one, bundle=FILE runs another bundle; `shipped` changes nothing.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLUSTER_ENV } from '../test/harness/cluster-info.ts';
import { startCluster } from '../test/harness/cluster.ts';
import { cliBundle, imageEnv, imageNodeFlags } from '../test/harness/controller/controller-bundle.ts';
import { ROOT } from '../test/harness/packaging/packaging-files.ts';
import { freePort } from '../test/harness/ports.ts';
import { startProcess, type ManagedProcess } from '../test/harness/process.ts';
import { sleep, waitFor } from '../test/harness/wait-for.ts';
import {
  applyControllerRbac,
  BENCH_LABEL,
  CONTROLLER_NAMESPACE,
  createNodesFast,
  nodeNames,
  startBenchControlPlane,
  waitNodesReady,
} from './scale/cluster-setup.ts';
import { startNodeAgents } from './scale/node-agents.ts';
import { burst } from './scale/webhooks.ts';

const { values: flags } = parseArgs({
  options: {
    nodes: { type: 'string', default: '1000' },
    'idle-seconds': { type: 'string', default: '60' },
    burst: { type: 'string', default: '0' },
    variants: { type: 'string', default: 'shipped' },
    json: { type: 'string' },
  },
});
const N = Number(flags.nodes);
const IDLE_S = Number(flags['idle-seconds']);
const BURST = Math.min(Number(flags.burst), N);
const IN_FLIGHT = 50;
const WEBHOOK_TOKEN = 'memory-bench-webhook-token-7f3a';
const ADMIN_TOKEN = 'memory-bench-admin-token-2b81';

const wallStart = Date.now();
const log = (message: string) => process.stderr.write(`[memory ${((Date.now() - wallStart) / 1000).toFixed(1)}s] ${message}\n`);

interface Variant {
  readonly name: string;
  readonly env: Record<string, string | undefined>;
  readonly nodeFlags: string[];
  readonly bundle: string;
}

function variant(spec: string, shippedBundle: string): Variant {
  const env: Record<string, string | undefined> = { ...imageEnv() };
  let nodeFlags = imageNodeFlags();
  let bundle = shippedBundle;
  for (const token of spec.split(/\s+/).filter((t) => t !== '' && t !== 'shipped')) {
    const flagName = (flag: string) => flag.split('=')[0]!;
    if (token.startsWith('--')) nodeFlags = [...nodeFlags.filter((f) => flagName(f) !== flagName(token)), token];
    else if (token.startsWith('-')) nodeFlags = nodeFlags.filter((f) => flagName(f) !== `-${token}`);
    else if (token.startsWith('bundle=')) bundle = token.slice('bundle='.length);
    else if (/^[A-Z_][A-Z0-9_]*=/.test(token)) {
      const [name, value] = [token.slice(0, token.indexOf('=')), token.slice(token.indexOf('=') + 1)];
      env[name] = value === 'unset' ? undefined : value;
    } else throw new Error(`variant "${spec}": cannot read "${token}"`);
  }
  return { name: spec, env, nodeFlags, bundle };
}

function procStatus(pid: number): { rss: number; anon: number; file: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN);
    return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile') };
  } catch {
    return undefined;
  }
}

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const mb = (kb: number | undefined) => (kb === undefined ? undefined : Math.round(kb / 102.4) / 10);

async function heapUsedMb(url: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = /^nodejs_heap_size_used_bytes\s+(\S+)/m.exec(text)?.[1];
  return value === undefined ? undefined : Math.round(Number(value) / 104857.6) / 10;
}

const dir = mkdtempSync(join(tmpdir(), 'kreboot-memory-'));
const cleanups: Array<() => Promise<void> | void> = [];
async function cleanUp(): Promise<void> {
  for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch((error: unknown) => log(String(error)));
  if (!process.env['KREBOOT_KEEP_TMP']) rmSync(dir, { recursive: true, force: true });
}
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    log(`${signal}: stopping everything the bench started`);
    void cleanUp().finally(() => process.exit(130));
  });

const results: Array<Record<string, unknown>> = [];
try {
  const shippedBundle = await cliBundle();
  const variants = flags.variants!.split(';').map((spec) => variant(spec.trim(), shippedBundle));
  const started = await startBenchControlPlane(dir);
  cleanups.push(() => started.controlPlane.stop());
  process.env[CLUSTER_ENV] = join(started.controlPlane.info.dir, 'cluster.json');
  const cluster = await startCluster();
  applyControllerRbac(cluster.kubeconfigPath);
  await cluster.createDaemonSet(CONTROLLER_NAMESPACE, 'kreboot-agent', {
    nodeSelector: { 'kreboot-bench/no-such-node': 'true' },
    wait: false,
  });
  const kubeconfig = await cluster.serviceAccountKubeconfig(CONTROLLER_NAMESPACE, 'kreboot-controller', { expirationSeconds: 6 * 3600 });
  const names = nodeNames(N);
  log(`creating ${N} nodes`);
  await createNodesFast(cluster, names, IN_FLIGHT);
  await waitNodesReady(cluster, N, 900_000, (ready) => log(`  nodes Ready: ${ready}/${N}`));
  const agents = await startNodeAgents(cluster.kc, {
    nodes: names,
    realAgentNodes: new Set(),
    labelSelector: `${BENCH_LABEL.key}=${BENCH_LABEL.value}`,
    rebootMs: 1500,
    required: true,
  });
  cleanups.push(() => agents.stop());
  log(`agents' reports on ${N} nodes`);
  await agents.reportAll(IN_FLIGHT);

  writeFileSync(join(dir, 'webhook-token'), `${WEBHOOK_TOKEN}\n`);
  writeFileSync(join(dir, 'admin-token'), `${ADMIN_TOKEN}\n`);
  // Every variant's idle first, then every variant's burst: a burst leaves work for the next
  // process (records to keep on the nodes it asked for), which would not be an idle controller.
  const passes = BURST > 0 ? (['idle', 'burst'] as const) : (['idle'] as const);
  const plan = passes.flatMap((pass) => variants.map((v, index) => ({ pass, index, v })));
  for (const [run, { pass, index, v }] of plan.entries()) {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = Object.fromEntries(Object.entries(v.env).filter(([, value]) => value !== undefined)) as Record<string, string>;
    // The bench's own environment is not the image's: what the variant leaves unset stays unset.
    const inherited = { ...process.env };
    for (const name of Object.keys(v.env)) delete inherited[name];
    const controllerDir = join(dir, `controller-${run + 1}`);
    mkdirSync(controllerDir);
    log(`${pass}: variant "${v.name}": node ${v.nodeFlags.join(' ')} ${v.bundle} controller; env ${JSON.stringify(env)}`);
    const savedEnv = process.env;
    process.env = inherited;
    let proc: ManagedProcess;
    try {
      proc = startProcess(
        'controller',
        process.execPath,
        [
          ...v.nodeFlags,
          v.bundle,
          'controller',
          `--ds-namespace=${CONTROLLER_NAMESPACE}`,
          '--ds-name=kreboot-agent',
          `--webhook-token-file=${join(dir, 'webhook-token')}`,
          `--admin-token-file=${join(dir, 'admin-token')}`,
          '--log-format=json',
          `--kubeconfig=${kubeconfig}`,
          '--metrics-host=127.0.0.1',
          `--metrics-port=${port}`,
          `--node-selector=${BENCH_LABEL.key}=${BENCH_LABEL.value}`,
        ],
        { logDir: controllerDir, cwd: ROOT, env: { ...env, POD_NAME: `kreboot-controller-memory-${run + 1}` } },
      );
    } finally {
      process.env = savedEnv;
    }
    const peaks = new Map<string, number>();
    let phase = 'sync';
    const sampler = setInterval(() => {
      const s = procStatus(proc.pid);
      if (s) peaks.set(phase, Math.max(peaks.get(phase) ?? 0, s.rss));
    }, 1000);
    try {
      await waitFor(
        async () => {
          if (!proc.running()) throw new Error(`controller exited: ${proc.tail(20)}`);
          const response = await fetch(`${url}/api/v1/status`).catch(() => undefined);
          if (!response?.ok) return false;
          const status = (await response.json()) as { leader: boolean; nodesTotal: number };
          return status.leader && status.nodesTotal >= N;
        },
        { timeoutMs: 300_000, intervalMs: 1000, what: `the controller leading with ${N} nodes in its status` },
      );
      const syncedAt = procStatus(proc.pid);
      if (pass === 'burst') {
        const row = results[index]!;
        phase = 'burst';
        const startsAt = new Date().toISOString();
        const nodes = names.slice(0, BURST);
        const fired = await burst(url, WEBHOOK_TOKEN, 'firing', nodes, IN_FLIGHT, startsAt);
        await sleep(5000);
        const resolved = await burst(url, WEBHOOK_TOKEN, 'resolved', nodes, IN_FLIGHT, startsAt);
        await waitFor(
          async () => {
            const status = (await (await fetch(`${url}/api/v1/status`)).json()) as { inFlight: unknown[] };
            return status.inFlight.length === 0 && agents.cordonedNow() === 0;
          },
          { timeoutMs: 600_000, intervalMs: 2000, what: 'nothing in flight after the burst' },
        );
        row['burstSeconds'] = Math.round((fired.totalMs + resolved.totalMs) / 100) / 10;
        row['burstNon200'] = [...fired.answers, ...resolved.answers].filter((answer) => answer.status !== 200).length;
        row['rssBurstPeakMb'] = mb(peaks.get('burst'));
        row['heapUsedAfterBurstMb'] = await heapUsedMb(url);
        log(JSON.stringify(row));
        continue;
      }
      phase = 'idle';
      const cpuBefore = cpuSeconds(proc.pid);
      await sleep(IDLE_S * 1000);
      const idleEnd = procStatus(proc.pid);
      const idleCpu = Math.round((cpuSeconds(proc.pid) - cpuBefore) * 10) / 10;
      const heapIdle = await heapUsedMb(url);
      phase = 'status';
      for (let i = 0; i < 3; i++) {
        await (await fetch(`${url}/api/v1/status`)).arrayBuffer();
        await (await fetch(`${url}/`)).arrayBuffer();
      }
      await sleep(2000);
      const row: Record<string, unknown> = {
        variant: v.name,
        rssSyncedMb: mb(syncedAt?.rss),
        rssIdlePeakMb: mb(peaks.get('idle')),
        rssIdleEndMb: mb(idleEnd?.rss),
        rssAnonIdleEndMb: mb(idleEnd?.anon),
        rssFileIdleEndMb: mb(idleEnd?.file),
        heapUsedIdleMb: heapIdle,
        idleCpuSeconds: idleCpu,
        rssStatusPeakMb: mb(peaks.get('status')),
      };
      results.push(row);
      log(JSON.stringify(row));
    } finally {
      clearInterval(sampler);
      await proc.stop(10_000);
    }
  }
} finally {
  await cleanUp();
}

const columns = Object.keys(results[0] ?? {});
console.log(`controller memory at ${N} nodes (idle ${IDLE_S} s${BURST > 0 ? `, burst ${BURST}` : ''}); MB, VmRSS unless named`);
console.log(columns.join('\t'));
for (const row of results) console.log(columns.map((column) => String(row[column] ?? '')).join('\t'));
if (flags.json) writeFileSync(flags.json, JSON.stringify({ nodes: N, idleSeconds: IDLE_S, burst: BURST, results }, null, 2));
process.exit(0);
