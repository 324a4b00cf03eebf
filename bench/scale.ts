// Benchmark (issue 14): the controller as shipped on a private control plane of N KWOK nodes with
// 10 pods per node (Deployments with PDBs, 3 zones), agents' reports on every node, and real
// `kreboot agent` processes on the --rebooting nodes. Prints one table: controller RSS and CPU per
// phase, webhook answer times (N one-node webhooks; one payload naming all N), first webhook → first
// cordon, decision-cycle durations (kreboot_decision_cycle_duration_seconds bucket deltas), the gap
// between one node done and the next cordoned, API requests per rebooted node and idle requests per
// hour (audit log), and GET /api/v1/status and the status page at N nodes.
//
//   node bench/scale.ts --nodes=5000 [--pods-per-node=10] [--rebooting=10] [--controller=dist|src]
//     [--json=out.json] [--phases=idle,status,rollout,patchnight,burst,payload] [--idle-seconds=60]
//     [--window-seconds=20] [--reboot-ms=1500] [--in-flight=50] [--pods-timeout=600]
//
// Phases run in that order on one cluster; --phases picks some (set-up always runs; patchnight only
// when named: `--phases=patchnight --rebooting=0 --pods-per-node=1`, issue 25). See
// bench/README.md ("Scale") for what each figure means and the set-up times seen.

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CLUSTER_ENV } from '../test/harness/cluster-info.ts';
import { startCluster, type Cluster } from '../test/harness/cluster.ts';
import type { ControlPlane } from '../test/harness/control-plane.ts';
import { sleep, waitFor } from '../test/harness/wait-for.ts';
import { agentKubeconfig } from '../test/harness/agent/agent-rbac.ts';
import { createHost, type SimulatedHost } from '../test/harness/scenario/simulated-host.ts';
import type { Status } from '../src/controller/status/status.ts';
import {
  applyControllerRbac,
  BENCH_LABEL,
  CONTROLLER_NAMESPACE,
  CONTROLLER_USER,
  createNodesFast,
  createWorkloads,
  nodeNames,
  podsOn,
  readyPods,
  shrinkToRunning,
  startBenchControlPlane,
  waitNodesReady,
} from './scale/cluster-setup.ts';
import { createBenchController, WEBHOOK_TOKEN, type BenchController, type MetricsScrape } from './scale/controller.ts';
import { startNodeAgents, type NodeAgents } from './scale/node-agents.ts';
import { countByKey, histogramDelta, percentile, readAudit, sum, type HistogramDelta } from './scale/stats.ts';
import { alertPayload, burst, postWebhook } from './scale/webhooks.ts';
import { imageNodeFlags } from '../test/harness/controller/controller-bundle.ts';
import { patchNight, patchNightRows, type PatchNightFigures } from './scale/patch-night.ts';

const { values: flags } = parseArgs({
  options: {
    nodes: { type: 'string', default: '50' },
    'pods-per-node': { type: 'string', default: '10' },
    rebooting: { type: 'string', default: '10' },
    controller: { type: 'string', default: 'dist' },
    json: { type: 'string' },
    phases: { type: 'string', default: 'idle,status,rollout,burst,payload' },
    'idle-seconds': { type: 'string', default: '60' },
    'window-seconds': { type: 'string', default: '20' },
    'reboot-ms': { type: 'string', default: '1500' },
    'in-flight': { type: 'string', default: '50' },
    'pods-timeout': { type: 'string', default: '600' },
  },
});
const N = Number(flags.nodes);
const PODS = N * Number(flags['pods-per-node']);
const R = Math.min(Number(flags.rebooting), N);
const ENTRY = flags.controller === 'src' ? 'src' : 'dist';
const PHASES = new Set(flags.phases!.split(',').map((p) => p.trim()));
const IDLE_S = Number(flags['idle-seconds']);
const WINDOW_S = Number(flags['window-seconds']);
const REBOOT_MS = Number(flags['reboot-ms']);
const IN_FLIGHT = Number(flags['in-flight']);
const LEASES = /\bleases$/;

const wallStart = Date.now();
const log = (message: string) => process.stderr.write(`[scale ${((Date.now() - wallStart) / 1000).toFixed(1)}s] ${message}\n`);
const setup: Record<string, number> = {};
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const started = Date.now();
  log(`${name} …`);
  const value = await fn();
  setup[name] = Math.round((Date.now() - started) / 100) / 10;
  log(`${name}: ${setup[name]} s`);
  return value;
}

// Everything started is stopped in reverse order, on success, failure, Ctrl-C or SIGTERM.
const cleanups: Array<() => Promise<void> | void> = [];
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch (error) {
        log(`clean-up step failed: ${(error as Error).message}`);
      }
    }
  })();
  return cleaning;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything the bench started`);
    void cleanUp().finally(() => process.exit(130));
  });
}

const result: Record<string, unknown> = {
  nodes: N,
  podsWanted: PODS,
  rebooting: R,
  controller: ENTRY,
  startedAt: new Date(wallStart).toISOString(),
};
const rss: Record<string, number | undefined> = {};
const cpu: Record<string, number | undefined> = {};
const cycles: Record<string, HistogramDelta & { cyclesTotal: number; seconds: number }> = {};

function cycleFigures(phase: string, before: MetricsScrape, after: MetricsScrape): void {
  cycles[phase] = {
    ...histogramDelta(before.cycles, after.cycles),
    cyclesTotal: after.cyclesTotal - before.cyclesTotal,
    seconds: Math.round((after.at - before.at) / 100) / 10,
  };
}

async function timedGet(url: string): Promise<{ status: number; bytes: number; ms: number }> {
  const started = performance.now();
  const response = await fetch(url);
  const body = Buffer.from(await response.arrayBuffer());
  return { status: response.status, bytes: body.length, ms: Math.round((performance.now() - started) * 10) / 10 };
}

async function statusFigures(controller: BenchController): Promise<Record<string, unknown>> {
  const api: Array<{ bytes: number; ms: number }> = [];
  const page: Array<{ bytes: number; ms: number }> = [];
  for (let i = 0; i < 3; i++) {
    api.push(await timedGet(`${controller.url}/api/v1/status`));
    page.push(await timedGet(`${controller.url}/`));
  }
  const med = (xs: number[]) => percentile(xs, 50);
  return {
    apiBytes: api.at(-1)!.bytes,
    apiMsMedian: med(api.map((a) => a.ms)),
    apiMsAll: api.map((a) => a.ms),
    pageBytes: page.at(-1)!.bytes,
    pageMsMedian: med(page.map((p) => p.ms)),
    pageMsAll: page.map((p) => p.ms),
  };
}

async function status(controller: BenchController): Promise<Status> {
  const response = await fetch(`${controller.url}/api/v1/status`);
  if (!response.ok) throw new Error(`status API answered ${response.status}`);
  return (await response.json()) as Status;
}

/** Leader, and every bench node in the status: the controller has listed and watched them. */
async function waitSynced(controller: BenchController): Promise<void> {
  await waitFor(
    async () => {
      const s = await status(controller);
      return s.leader && s.nodesTotal >= N;
    },
    { timeoutMs: 180_000, intervalMs: 1000, what: `the controller leading with ${N} nodes in its status` },
  );
}

const IN_FLIGHT_PHASES = new Set(['cordoned', 'draining', 'rebooting', 'verifying']);
async function waitQuiet(controller: BenchController, agents: NodeAgents, nodes: readonly string[], timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      if (agents.cordonedNow() > 0) return false;
      if (nodes.some((node) => IN_FLIGHT_PHASES.has(agents.phaseOf(node) ?? ''))) return false;
      return (await status(controller)).inFlight.length === 0;
    },
    { timeoutMs, intervalMs: 1000, what: 'no node in flight' },
  );
}

function webhookFigures(totalMs: number, answers: Array<{ status: number; ms: number; body: string }>): Record<string, unknown> {
  const statuses: Record<string, number> = {};
  for (const answer of answers) statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
  const ms = answers.map((a) => a.ms);
  const round = (x: number | undefined) => (x === undefined ? undefined : Math.round(x));
  return {
    count: answers.length,
    totalMs: Math.round(totalMs),
    p50Ms: round(percentile(ms, 50)),
    p99Ms: round(percentile(ms, 99)),
    maxMs: round(percentile(ms, 100)),
    statuses,
  };
}

let controlPlane: ControlPlane | undefined;
let exitCode = 0;
try {
  const dir = mkdtempSync(join(tmpdir(), 'kreboot-scale-'));
  cleanups.push(() => {
    if (!process.env.KREBOOT_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
  });
  const started = await step('control plane', () => startBenchControlPlane(dir));
  controlPlane = started.controlPlane;
  cleanups.push(() => started.controlPlane.stop());
  process.env[CLUSTER_ENV] = join(started.controlPlane.info.dir, 'cluster.json');
  const cluster: Cluster = await startCluster();

  const controllerKubeconfig = await step('RBAC (deploy/base), lock DaemonSet, tokens', async () => {
    applyControllerRbac(cluster.kubeconfigPath);
    // The lock DaemonSet (kured's lock annotation lives on it). Its pods are kept off the nodes: one
    // more pod per node would cost set-up time and change nothing the controller does (the drain
    // skips DaemonSet pods).
    await cluster.createDaemonSet(CONTROLLER_NAMESPACE, 'kreboot-agent', {
      nodeSelector: { 'kreboot-bench/no-such-node': 'true' },
      wait: false,
    });
    return cluster.serviceAccountKubeconfig(CONTROLLER_NAMESPACE, 'kreboot-controller', { expirationSeconds: 6 * 3600 });
  });

  const names = nodeNames(N);
  await step(`${N} nodes created (${IN_FLIGHT} in flight)`, () => createNodesFast(cluster, names, IN_FLIGHT));
  const readyNodes = await step(`${N} nodes Ready (KWOK)`, () =>
    waitNodesReady(cluster, N, 600_000, (ready) => log(`  nodes Ready: ${ready}/${N}`)),
  );
  result.nodesReady = readyNodes;

  const workloads = await step(`workloads: ${PODS} pods in Deployments with PDBs`, () => createWorkloads(cluster, PODS));
  const podsRunning = await step(`${PODS} pods scheduled and Running (KWOK)`, async () => {
    const deadline = Date.now() + Number(flags['pods-timeout']) * 1000;
    let last = 0;
    let lastLog = 0;
    for (;;) {
      last = await readyPods(cluster).catch(() => last);
      if (Date.now() - lastLog > 15_000) {
        log(`  pods Ready: ${last}/${PODS}`);
        lastLog = Date.now();
      }
      if (last >= PODS) return last;
      if (Date.now() > deadline) {
        log(
          `  pods: only ${last}/${PODS} Ready (Deployment status) after --pods-timeout: scaling each Deployment down to its Running pods`,
        );
        const running = await shrinkToRunning(cluster);
        await waitFor(async () => (await readyPods(cluster)) >= running, {
          timeoutMs: 300_000,
          intervalMs: 3000,
          what: `Deployments settled at ${running} Ready pods`,
        }).catch((error: unknown) => log(`  ${(error as Error).message}`));
        log(`  pods: ${running} Running, the rest removed`);
        return running;
      }
      await sleep(3000);
    }
  });
  result.workloads = { ...workloads, podsRunning };

  // The rebooting nodes are spread over the node list (and so over the zones).
  const rebootingNodes = Array.from({ length: R }, (_, i) => names[Math.floor((i * N) / R)]!);
  const realAgentNodes = new Set(rebootingNodes);
  const onRebooting = await podsOn(cluster, rebootingNodes);
  const sample = await podsOn(cluster, names.filter((_, i) => i % Math.max(1, Math.floor(N / 50)) === 0).slice(0, 50));
  const spread = Object.values(sample);
  result.podsPerNode = {
    rebootingNodes: onRebooting,
    sampleOf50: { min: Math.min(...spread), p50: percentile(spread, 50), max: Math.max(...spread) },
  };
  log(`pods on the rebooting nodes: ${JSON.stringify(onRebooting)}; on 50 others: min ${Math.min(...spread)}, max ${Math.max(...spread)}`);
  const agents = await startNodeAgents(cluster.kc, {
    nodes: names,
    realAgentNodes,
    labelSelector: `${BENCH_LABEL.key}=${BENCH_LABEL.value}`,
    rebootMs: REBOOT_MS,
    required: true,
  });
  cleanups.push(() => agents.stop());
  await step(`agents' reports on ${N - R} idle nodes (one write each, ${IN_FLIGHT} in flight)`, () => agents.reportAll(IN_FLIGHT));

  const hosts: SimulatedHost[] = [];
  if (R > 0) {
    await step(`${R} real kreboot agents (sentinel set)`, async () => {
      const kubeconfig = await agentKubeconfig(cluster);
      for (const node of rebootingNodes) {
        const host = await createHost({
          node,
          root: join(dir, 'hosts'),
          kubeconfig,
          core: cluster.core,
          downMs: REBOOT_MS,
          args: ['--period=1h'],
        });
        hosts.push(host);
        cleanups.push(() => host.stop());
        host.requireReboot();
        await host.start();
      }
      await waitFor(
        async () => {
          for (const host of hosts) {
            const annotations = (await cluster.core.readNode({ name: host.node })).metadata?.annotations ?? {};
            if (annotations['kreboot.dev/boot-id'] !== host.bootIds[0] || annotations['kreboot.dev/reboot-required'] !== 'true')
              return false;
          }
          return true;
        },
        { timeoutMs: 120_000, intervalMs: 500, what: "every real agent's first report (reboot required)" },
      );
    });
  }

  const controllerDir = join(dir, 'controller');
  mkdirSync(controllerDir);
  const controller = await createBenchController({
    dir: controllerDir,
    kubeconfig: controllerKubeconfig,
    namespace: CONTROLLER_NAMESPACE,
    dsName: 'kreboot-agent',
    nodeSelector: `${BENCH_LABEL.key}=${BENCH_LABEL.value}`,
    entry: ENTRY,
  });
  cleanups.push(() => controller.stop());
  await step(`controller (${ENTRY}) started and ready`, () => controller.start());
  await step('controller leading with every node in its status', () => waitSynced(controller));
  result.controllerLog = controller.proc().logPath;

  // 1. Idle: nothing requested.
  if (PHASES.has('idle')) {
    controller.phase('idle');
    const before = await controller.metrics();
    const from = Date.now();
    log(`idle window: ${IDLE_S} s`);
    await sleep(IDLE_S * 1000);
    const to = Date.now();
    const after = await controller.metrics();
    cycleFigures('idle', before, after);
    const audit = countByKey(readAudit(started.auditLog, CONTROLLER_USER), from, to);
    const perHour = (n: number) => Math.round((n * 3600_000) / (to - from));
    const byKind = Object.fromEntries(Object.entries(audit).map(([key, n]) => [key, perHour(n)]));
    result.idle = {
      windowSeconds: (to - from) / 1000,
      requestsPerHour: perHour(sum(audit)),
      requestsPerHourWithoutLeases: perHour(sum(countByKey(readAudit(started.auditLog, CONTROLLER_USER), from, to, LEASES))),
      byKindPerHour: byKind,
    };
  }
  rss.idle = controller.peakRssMb('idle') ?? controller.peakRssMb('start');
  cpu.idle = controller.cpuSeconds('idle');

  // 6. Status API and page at N nodes, nothing requested.
  if (PHASES.has('status')) {
    controller.phase('status');
    result.statusIdle = await statusFigures(controller);
  }

  // 2–5. A rollout of the rebooting nodes (real agents), requested by one-node webhooks.
  if (PHASES.has('rollout') && R > 0) {
    controller.phase('rollout');
    const before = await controller.metrics();
    const from = Date.now();
    const startsAt = new Date().toISOString();
    const sent = await burst(controller.url, WEBHOOK_TOKEN, 'firing', rebootingNodes, IN_FLIGHT, startsAt);
    await waitFor(() => rebootingNodes.every((node) => agents.phaseOf(node) === 'done'), {
      timeoutMs: R * 90_000 + 60_000,
      intervalMs: 200,
      what: `the ${R} rebooting nodes done`,
    }).catch((error: unknown) => {
      log(`rollout: ${(error as Error).message}; phases: ${rebootingNodes.map((n) => `${n}=${agents.phaseOf(n)}`).join(' ')}`);
      throw error;
    });
    const to = Date.now();
    const after = await controller.metrics();
    cycleFigures('rollout', before, after);
    const transitions = controller.transitions().filter((t) => t.at >= from - 1000 && t.at <= to + 1000);
    const gaps: number[] = [];
    for (const done of transitions.filter((t) => t.phase === 'done')) {
      const next = transitions.find((t) => t.phase === 'cordoned' && t.at >= done.at && t.node !== done.node);
      if (next) gaps.push(next.at - done.at);
    }
    // The same gap as the API shows it: an uncordon to the next cordon (the flight watch).
    const flips = agents.cordons().filter((c) => c.at >= from && c.at <= to);
    const watchGaps: number[] = [];
    for (const [i, flip] of flips.entries()) {
      if (flip.cordoned) continue;
      const next = flips.slice(i + 1).find((c) => c.cordoned);
      if (next) watchGaps.push(next.at - flip.at);
    }
    const firstCordon = agents.firstCordonAfter(from);
    const audit = countByKey(readAudit(started.auditLog, CONTROLLER_USER), from, to, LEASES);
    const total = sum(audit);
    result.rollout = {
      nodes: R,
      webhooks: webhookFigures(sent.totalMs, sent.answers),
      seconds: (to - from) / 1000,
      secondsPerNode: Math.round((to - from) / R) / 1000,
      firstWebhookToFirstCordonMs: firstCordon === undefined ? undefined : firstCordon - from,
      gapDoneToNextCordonMs: {
        p50: percentile(gaps, 50),
        max: percentile(gaps, 100),
        samples: gaps.length,
        source: 'controller log: done → next cordoned',
      },
      gapUncordonToNextCordonMs: {
        p50: percentile(watchGaps, 50),
        max: percentile(watchGaps, 100),
        samples: watchGaps.length,
        source: 'node watch',
      },
      maxCordonedAtOnce: agents.maxCordoned(),
      apiRequests: {
        total,
        perRebootedNode: Math.round((total / R) * 10) / 10,
        byKind: audit,
        note: 'leases excluded, whole rollout window',
      },
      reboots: hosts.map((h) => ({ node: h.node, reboots: h.reboots })),
    };
  }
  rss.rollout = controller.peakRssMb('rollout');
  cpu.rollout = controller.cpuSeconds('rollout');

  // Patch night (issue 25): every node reboot-required, N one-node webhooks, then the rollout's pace.
  if (PHASES.has('patchnight')) {
    result.patchNight = await patchNight({
      controller,
      agents,
      url: controller.url,
      token: WEBHOOK_TOKEN,
      nodes: names.filter((node) => !realAgentNodes.has(node)),
      inFlight: IN_FLIGHT,
      windowSeconds: WINDOW_S,
      log,
    });
    controller.phase('patch-night-cleanup');
    log('patch night: withdrawing the requests (resolved one-node webhooks)');
    const startsAt = new Date().toISOString();
    const resolved = await burst(controller.url, WEBHOOK_TOKEN, 'resolved', names, IN_FLIGHT, startsAt);
    (result.patchNight as Record<string, unknown>).resolvedWebhooks = webhookFigures(resolved.totalMs, resolved.answers);
    await waitQuiet(controller, agents, names, 300_000).catch((error: unknown) => log(`after patch night: ${(error as Error).message}`));
  }

  // 1–3, 6. Requests for every node as the shipped route sends them: N one-node webhooks.
  if (PHASES.has('burst')) {
    controller.phase('burst');
    const before = await controller.metrics();
    const from = Date.now();
    const startsAt = new Date().toISOString();
    log(`burst: ${N} one-node webhooks, ${IN_FLIGHT} in flight`);
    const sent = await burst(controller.url, WEBHOOK_TOKEN, 'firing', names, IN_FLIGHT, startsAt);
    const answered = Date.now();
    log(`burst answered in ${Math.round(sent.totalMs)} ms; window ${WINDOW_S} s`);
    await sleep(WINDOW_S * 1000);
    const firstCordon = agents.firstCordonAfter(from);
    const after = await controller.metrics();
    cycleFigures('burst', before, after);
    controller.phase('burst-status');
    result.statusAfterBurst = await statusFigures(controller);
    const burstAudit = countByKey(readAudit(started.auditLog, CONTROLLER_USER), from, Date.now(), LEASES);
    const accepted = sent.answers.reduce((n, a) => {
      try {
        return n + ((JSON.parse(a.body) as { accepted?: unknown[] }).accepted?.length ?? 0);
      } catch {
        return n;
      }
    }, 0);
    result.burst = {
      webhooks: webhookFigures(sent.totalMs, sent.answers),
      accepted,
      firstWebhookToFirstCordonMs: firstCordon === undefined ? `none within ${WINDOW_S} s after the burst` : firstCordon - from,
      firstCordonAfterBurstEnd: firstCordon === undefined ? undefined : firstCordon >= answered,
      jobsRunByIdleAgents: agents.jobsRun(),
      apiRequests: { total: sum(burstAudit), byKind: burstAudit, note: 'leases excluded, burst and window' },
      sampleAnswer: sent.answers.at(-1)?.body.slice(0, 300),
    };
    rss.burst = controller.peakRssMb('burst');
    cpu.burst = controller.cpuSeconds('burst');
    // Withdraw what has not started (resolved alerts) and let the node in flight finish.
    controller.phase('burst-cleanup');
    log('withdrawing the requests: resolved one-node webhooks');
    const resolved = await burst(controller.url, WEBHOOK_TOKEN, 'resolved', names, IN_FLIGHT, startsAt);
    (result.burst as Record<string, unknown>).resolvedWebhooks = webhookFigures(resolved.totalMs, resolved.answers);
    await waitQuiet(controller, agents, names, 300_000);
  }

  // 1–2. Requests for every node in ONE payload (a route grouped by alertname), on a fresh controller.
  if (PHASES.has('payload')) {
    controller.phase('restart');
    await step('controller restarted (fresh process for the one-payload phase)', async () => {
      await controller.stop();
      await controller.start();
      await waitSynced(controller);
    });
    controller.phase('payload-baseline');
    await sleep(5000);
    controller.phase('payload');
    const before = await controller.metrics();
    const from = Date.now();
    const startsAt = new Date().toISOString();
    const answer = await postWebhook(controller.url, WEBHOOK_TOKEN, alertPayload('firing', names, startsAt));
    log(`one payload (${answer.bytesSent} bytes): HTTP ${answer.status} in ${Math.round(answer.ms)} ms; window ${WINDOW_S} s`);
    await sleep(WINDOW_S * 1000);
    const firstCordon = agents.firstCordonAfter(from);
    const after = await controller.metrics();
    cycleFigures('payload', before, after);
    const payloadAudit = countByKey(readAudit(started.auditLog, CONTROLLER_USER), from, Date.now(), LEASES);
    result.payload = {
      apiRequests: { total: sum(payloadAudit), byKind: payloadAudit, note: 'leases excluded, payload and window' },
      bytes: answer.bytesSent,
      status: answer.status,
      ms: Math.round(answer.ms),
      answer: answer.body.length > 600 ? `${answer.body.slice(0, 600)}… (${answer.body.length} chars)` : answer.body,
      firstWebhookToFirstCordonMs: firstCordon === undefined ? `none within ${WINDOW_S} s` : firstCordon - from,
    };
    rss.payloadBaseline = controller.peakRssMb('payload-baseline');
    rss.payload = controller.peakRssMb('payload');
    cpu.payload = controller.cpuSeconds('payload');
    if (answer.status === 200) {
      controller.phase('payload-cleanup');
      const resolved = await postWebhook(controller.url, WEBHOOK_TOKEN, alertPayload('resolved', names, startsAt));
      if (resolved.status !== 200) await burst(controller.url, WEBHOOK_TOKEN, 'resolved', names, IN_FLIGHT, startsAt);
      await waitQuiet(controller, agents, names, 300_000).catch((error: unknown) => log(`after the payload: ${(error as Error).message}`));
    }
  }

  result.controllerRssMb = rss;
  result.controllerCpuSeconds = cpu;
  result.decisionCycles = {
    ...cycles,
    buckets: 'le 5, 10, 25, 50, 100, 250, 500 ms, 1, 2.5, 5, 10, 30 s: p50/p99/max are the bucket upper bounds; mean is exact',
  };
  result.maxCordonedAtOnce = agents.maxCordoned();
  result.controllerLogLevels = countLogLevels(controller);
  result.setupSeconds = setup;
  result.wallSeconds = Math.round((Date.now() - wallStart) / 1000);
  printTable(result);
  if (flags.json) {
    writeFileSync(flags.json, `${JSON.stringify(result, null, 2)}\n`);
    // The controller's own logs, for whoever reads the figures (transitions, warnings).
    for (const [i, path] of controller.logPaths().entries())
      copyFileSync(path, `${flags.json.replace(/\.json$/, '')}.controller-${i + 1}.log`);
  }
} catch (error) {
  exitCode = 1;
  log(`FAILED: ${(error as Error).stack ?? String(error)}`);
  if (controlPlane) log(`control plane folder: ${controlPlane.info.dir} (kept only with KREBOOT_KEEP_TMP=1)`);
} finally {
  await cleanUp();
}
process.exit(exitCode);

function countLogLevels(controller: BenchController): Record<string, unknown> {
  const counts: Record<string, number> = {};
  const samples: string[] = [];
  for (const path of controller.logPaths()) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const level = /"level":"(\w+)"/.exec(line)?.[1];
      if (!level) continue;
      counts[level] = (counts[level] ?? 0) + 1;
      if ((level === 'error' || level === 'warning' || level === 'fatal') && samples.length < 8) samples.push(line.slice(0, 400));
    }
  }
  return { levels: counts, samples };
}

function printTable(r: Record<string, unknown>): void {
  const get = (path: string): unknown => path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], r);
  const v = (path: string, unit = '') => {
    const value = get(path);
    return value === undefined ? '–' : `${typeof value === 'object' ? JSON.stringify(value) : String(value)}${unit}`;
  };
  const cyc = (phase: string) => {
    const c = cycles[phase];
    if (!c) return '–';
    const ms = (x: number | undefined) => (x === undefined ? '–' : `≤${x}`);
    return `p50 ${ms(c.p50LeMs)} / p99 ${ms(c.p99LeMs)} / max ${ms(c.maxLeMs)} ms, mean ${c.meanMs === undefined ? '–' : c.meanMs.toFixed(1)} ms; ${c.cyclesTotal} cycles in ${c.seconds} s`;
  };
  const rows: Array<[string, string]> = [
    ['nodes / pods Running / rebooting (real agents)', `${N} / ${v('workloads.podsRunning')} of ${PODS} / ${R}`],
    [
      'pods per node: on the rebooting nodes / 50 others (min, p50, max)',
      `${Object.values((get('podsPerNode.rebootingNodes') as Record<string, number> | undefined) ?? {}).join(' ')} / ${v('podsPerNode.sampleOf50')}`,
    ],
    [
      'controller',
      ENTRY === 'dist'
        ? `node ${imageNodeFlags().join(' ')} dist/kreboot.cjs controller (NODE_ENV=production)`
        : 'node src/cli.ts controller',
    ],
    ['RSS peak idle after sync', `${v('controllerRssMb.idle')} MB`],
    ['RSS peak during rollout', `${v('controllerRssMb.rollout')} MB`],
    [`RSS peak, ${N} one-node webhooks + ${WINDOW_S} s`, `${v('controllerRssMb.burst')} MB`],
    [
      `RSS peak, one ${N}-node payload + ${WINDOW_S} s (fresh process; before: ${v('controllerRssMb.payloadBaseline')} MB)`,
      `${v('controllerRssMb.payload')} MB`,
    ],
    [
      'CPU s idle / rollout / burst / payload',
      `${v('controllerCpuSeconds.idle')} / ${v('controllerCpuSeconds.rollout')} / ${v('controllerCpuSeconds.burst')} / ${v('controllerCpuSeconds.payload')}`,
    ],
    [
      `burst: ${N} webhooks, ${IN_FLIGHT} in flight: total / p50 / p99 / max`,
      `${v('burst.webhooks.totalMs')} / ${v('burst.webhooks.p50Ms')} / ${v('burst.webhooks.p99Ms')} / ${v('burst.webhooks.maxMs')} ms; statuses ${v('burst.webhooks.statuses')}; accepted ${v('burst.accepted')}`,
    ],
    ['burst: first webhook → first cordon', `${v('burst.firstWebhookToFirstCordonMs')} ms`],
    [`burst + ${WINDOW_S} s: controller API requests (no leases)`, `${v('burst.apiRequests.total')}  ${v('burst.apiRequests.byKind')}`],
    [`one payload (${v('payload.bytes')} bytes): status / time`, `${v('payload.status')} / ${v('payload.ms')} ms`],
    ['one payload: answer', v('payload.answer')],
    ['one payload: first webhook → first cordon', `${v('payload.firstWebhookToFirstCordonMs')} ms`],
    [
      `one payload + ${WINDOW_S} s: controller API requests (no leases)`,
      `${v('payload.apiRequests.total')}  ${v('payload.apiRequests.byKind')}`,
    ],
    ...patchNightRows(result.patchNight as PatchNightFigures | undefined),
    ['decision cycles, idle', cyc('idle')],
    ['decision cycles, rollout', cyc('rollout')],
    ['decision cycles, burst + window', cyc('burst')],
    ['decision cycles, payload + window', cyc('payload')],
    [`rollout of ${R}: total / per node`, `${v('rollout.seconds')} s / ${v('rollout.secondsPerNode')} s`],
    ['rollout: first webhook → first cordon', `${v('rollout.firstWebhookToFirstCordonMs')} ms`],
    [
      'rollout: done → next cordoned p50 / max (controller log)',
      `${v('rollout.gapDoneToNextCordonMs.p50')} / ${v('rollout.gapDoneToNextCordonMs.max')} ms (${v('rollout.gapDoneToNextCordonMs.samples')} gaps)`,
    ],
    [
      'rollout: uncordon → next cordon p50 / max (node watch)',
      `${v('rollout.gapUncordonToNextCordonMs.p50')} / ${v('rollout.gapUncordonToNextCordonMs.max')} ms`,
    ],
    ['API requests per rebooted node (no leases)', `${v('rollout.apiRequests.perRebootedNode')}  ${v('rollout.apiRequests.byKind')}`],
    [
      'idle API requests per hour (all / without leases)',
      `${v('idle.requestsPerHour')} / ${v('idle.requestsPerHourWithoutLeases')}  ${v('idle.byKindPerHour')}`,
    ],
    ['GET /api/v1/status idle: bytes / median ms', `${v('statusIdle.apiBytes')} / ${v('statusIdle.apiMsMedian')} ms`],
    ['GET / (page) idle: bytes / median ms', `${v('statusIdle.pageBytes')} / ${v('statusIdle.pageMsMedian')} ms`],
    [
      `GET /api/v1/status after the burst: bytes / median ms`,
      `${v('statusAfterBurst.apiBytes')} / ${v('statusAfterBurst.apiMsMedian')} ms`,
    ],
    [`GET / after the burst: bytes / median ms`, `${v('statusAfterBurst.pageBytes')} / ${v('statusAfterBurst.pageMsMedian')} ms`],
    ['max nodes cordoned at once (watch)', v('maxCordonedAtOnce')],
    [
      'set-up steps (s)',
      Object.entries(setup)
        .map(([k, s]) => `${k}: ${s}`)
        .join('; '),
    ],
    ['bench wall time', `${v('wallSeconds')} s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stdout.write(
    `\n## kreboot scale bench: ${N} nodes (${new Date().toISOString()})\n\n| figure | value |\n|${'-'.repeat(width + 2)}|---|\n`,
  );
  for (const [k, value] of rows) process.stdout.write(`| ${k.padEnd(width)} | ${value.replaceAll('|', '/')} |\n`);
  process.stdout.write('\n');
}
