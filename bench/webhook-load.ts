// Load test of POST /api/v1/alerts: the real router (express, auth, body limit, zod, plan) in a
// child process on 127.0.0.1, with a fast in-memory store, logging JSON to /dev/null like
// production. The client sends 50-alert Alertmanager payloads at a fixed rate over keep-alive
// connections and measures latency from each request's SCHEDULED time (no coordinated omission).
//
//   node bench/webhook-load.ts [--seconds 10] [--rate 200] [--flood 1000] [--flood-body full|empty] [--nice true|false] [--rounds 3]
//
// Phases (each bounded; the run stops by itself): warm-up; closed-loop maximum throughput; then
// --rounds rounds of: the authorized stream at --rate alone, then the same stream while a second
// child floods wrong-token requests at --flood. Server CPU per phase comes from the server itself.

import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { Agent, request } from 'node:http';
import { setPriority } from 'node:os';
import { parseArgs } from 'node:util';

const TOKEN = 'bench-token';
const NODES = 50;

function payload(): string {
  const alerts = Array.from({ length: NODES }, (_, i) => ({
    status: 'firing',
    labels: {
      alertname: 'RebootRequired',
      node: `node-${i}`,
      instance: `10.0.${i >> 8}.${i & 255}:9100`,
      job: 'kreboot-agent',
      severity: 'info',
    },
    annotations: { summary: `node-${i} needs a reboot`, description: 'The sentinel /var/run/reboot-required is present.' },
    startsAt: '2026-11-26T10:00:00.000Z',
    endsAt: '0001-01-01T00:00:00Z',
    generatorURL: 'http://prometheus:9090/graph?g0.expr=kured_reboot_required+%3E+0',
    fingerprint: (0x1000000 + i).toString(16),
  }));
  return JSON.stringify({
    version: '4',
    groupKey: '{}:{alertname="RebootRequired"}',
    truncatedAlerts: 0,
    status: 'firing',
    receiver: 'kreboot',
    groupLabels: { alertname: 'RebootRequired' },
    commonLabels: { alertname: 'RebootRequired' },
    commonAnnotations: {},
    externalURL: 'http://alertmanager:9093',
    alerts,
  });
}

// ---------- server child ----------
async function server(): Promise<void> {
  const [{ default: express }, { pino }, { Registry }, { createAlertsRouter }, { createAuthenticator }] = await Promise.all([
    import('express'),
    import('pino'),
    import('prom-client'),
    import('../src/intake/alerts-router.ts'),
    import('../src/auth/authenticator.ts'),
  ]);
  const pending = new Set<string>();
  const sink = {
    async request(node: string) {
      pending.add(node);
      return 'accepted' as const;
    },
    async withdraw(node: string) {
      return pending.delete(node) ? ('withdrawn' as const) : ('not-pending' as const);
    },
  };
  const config = {
    webhook: { auth: 'auto' as const, tokenFile: '', username: '', passwordFile: '', bodyLimitBytes: 1024 * 1024 },
    rebootAlert: /^RebootRequired$/,
    remediationAlert: undefined,
    alertNodeLabels: ['node', 'instance', 'kubernetes_node', 'nodename'],
  };
  const app = express();
  app.use(
    createAlertsRouter({
      config,
      sink,
      log: pino({ level: 'info' }, createWriteStream('/dev/null')),
      registry: new Registry(),
      auth: createAuthenticator({ token: TOKEN }),
    }),
  );
  const srv = app.listen(0, '127.0.0.1', () => process.send!({ port: (srv.address() as { port: number }).port }));
  process.on('message', (m) => {
    if (m === 'cpu') process.send!({ cpu: process.cpuUsage() });
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------- load generation ----------
interface Stats {
  sent: number;
  ok: number;
  codes: Record<string, number>;
  latencies: number[];
  errors: number;
  skipped: number;
  seconds: number;
}

function send(agent: Agent, port: number, body: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/alerts',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Open loop: `rate` requests/s for `seconds`, at most `maxInFlight` outstanding (beyond: counted as skipped). */
async function openLoop(port: number, rate: number, seconds: number, token: string, body: string, expect: number): Promise<Stats> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const stats: Stats = { sent: 0, ok: 0, codes: {}, latencies: [], errors: 0, skipped: 0, seconds };
  const total = Math.round(rate * seconds);
  const start = performance.now();
  let inFlight = 0;
  const all: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    if (inFlight >= 256) {
      stats.skipped++;
      continue;
    }
    inFlight++;
    stats.sent++;
    all.push(
      send(agent, port, body, token).then(
        (code) => {
          inFlight--;
          stats.codes[code] = (stats.codes[code] ?? 0) + 1;
          if (code === expect) stats.ok++;
          stats.latencies.push(performance.now() - due);
        },
        () => {
          inFlight--;
          stats.errors++;
        },
      ),
    );
  }
  await Promise.all(all);
  stats.seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return stats;
}

/** Closed loop: `concurrency` workers back to back for `seconds`. */
async function closedLoop(port: number, concurrency: number, seconds: number, body: string): Promise<Stats> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const stats: Stats = { sent: 0, ok: 0, codes: {}, latencies: [], errors: 0, skipped: 0, seconds };
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        stats.sent++;
        const code = await send(agent, port, body, TOKEN).catch(() => 0);
        stats.codes[code] = (stats.codes[code] ?? 0) + 1;
        if (code === 200) stats.ok++;
        stats.latencies.push(performance.now() - t);
      }
    }),
  );
  stats.seconds = (performance.now() - start) / 1000;
  agent.destroy();
  return stats;
}

function pct(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function summary(name: string, s: Stats, serverCpu?: number) {
  const sorted = [...s.latencies].sort((a, b) => a - b);
  return {
    phase: name,
    'server cpu %': serverCpu === undefined ? '' : +serverCpu.toFixed(0),
    sent: s.sent,
    'req/s': +(s.sent / s.seconds).toFixed(0),
    codes: JSON.stringify(s.codes),
    errors: s.errors,
    skipped: s.skipped,
    'p50 ms': +pct(sorted, 50).toFixed(2),
    'p90 ms': +pct(sorted, 90).toFixed(2),
    'p99 ms': +pct(sorted, 99).toFixed(2),
    'max ms': +(sorted.at(-1) ?? NaN).toFixed(2),
  };
}

// ---------- flood child ----------
async function flood(port: number, rate: number, seconds: number, body: string): Promise<void> {
  const stats = await openLoop(port, rate, seconds, 'wrong-token', body === 'full' ? payload() : '{}', 401);
  process.send!(summary(`401 flood (${rate}/s, wrong token, ${body === 'full' ? 'full' : 'empty'} body)`, stats));
}

async function startChild(args: string[]): Promise<ChildProcess> {
  return fork(new URL(import.meta.url).pathname, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      rate: { type: 'string', default: '200' },
      flood: { type: 'string', default: '1000' },
      role: { type: 'string' },
      port: { type: 'string' },
      'flood-body': { type: 'string', default: 'full' },
      nice: { type: 'string', default: 'true' },
      rounds: { type: 'string', default: '3' },
    },
  });
  const seconds = Number(values.seconds);
  const rate = Number(values.rate);
  const floodRate = Number(values.flood);
  const rounds = Number(values.rounds);
  if (values.role === 'server') return server();
  if (values.role === 'flood') return flood(Number(values.port), floodRate, seconds, values['flood-body']!);

  const srv = await startChild(['--role', 'server']);
  const [{ port }] = (await once(srv, 'message')) as [{ port: number }];
  const body = payload();
  /** Server CPU (user+system) as % of one core over the phase `run`. */
  const measured = async (run: () => Promise<Stats>): Promise<[Stats, number]> => {
    const cpu = async () => {
      srv.send('cpu');
      const [m] = (await once(srv, 'message')) as [{ cpu: NodeJS.CpuUsage }];
      return m.cpu.user + m.cpu.system;
    };
    const before = await cpu();
    const t = performance.now();
    const stats = await run();
    return [stats, ((await cpu()) - before) / 10 / (performance.now() - t)];
  };
  console.log(
    `server pid ${srv.pid} on 127.0.0.1:${port}; payload ${NODES} alerts, ${Buffer.byteLength(body)} bytes; node ${process.version}`,
  );
  try {
    const rows = [];
    await openLoop(port, rate, 2, TOKEN, body, 200); // warm-up (JIT, connections)
    rows.push(
      summary('max throughput (16 conns, closed loop)', ...(await measured(() => closedLoop(port, 16, Math.min(seconds, 5), body)))),
    );
    // Interleaved rounds (without, with the flood) so background load on the shared machine hits
    // both sides alike; the pooled latencies of each side are compared.
    const quiet: Stats[] = [];
    const loud: Stats[] = [];
    const floods: Record<string, unknown>[] = [];
    for (let round = 1; round <= rounds; round++) {
      const [q, qCpu] = await measured(() => openLoop(port, rate, seconds, TOKEN, body, 200));
      quiet.push(q);
      rows.push(summary(`round ${round}: authorized ${rate}/s`, q, qCpu));
      const flooder = await startChild([
        '--role',
        'flood',
        '--port',
        String(port),
        '--flood',
        String(floodRate),
        '--seconds',
        String(seconds + 1),
        '--flood-body',
        values['flood-body']!,
      ]);
      // The flooder runs at the lowest CPU priority: on this 2-core machine it stands in for a
      // client on another host, and should take CPU from nobody (its achieved rate is reported).
      if (values.nice !== 'false') setPriority(flooder.pid!, 19);
      const floodDone = once(flooder, 'message');
      await new Promise((r) => setTimeout(r, 500)); // let the flood reach its rate first
      const [l, lCpu] = await measured(() => openLoop(port, rate, seconds, TOKEN, body, 200));
      loud.push(l);
      rows.push(summary(`round ${round}: authorized ${rate}/s + 401 flood`, l, lCpu));
      const [floodRow] = (await floodDone) as [Record<string, unknown>];
      floods.push(floodRow);
    }
    const pool = (list: Stats[]): Stats => {
      const out: Stats = { sent: 0, ok: 0, codes: {}, latencies: [], errors: 0, skipped: 0, seconds: 0 };
      for (const s of list) {
        out.sent += s.sent;
        out.ok += s.ok;
        out.errors += s.errors;
        out.skipped += s.skipped;
        out.seconds += s.seconds;
        out.latencies.push(...s.latencies);
        for (const [code, n] of Object.entries(s.codes)) out.codes[code] = (out.codes[code] ?? 0) + n;
      }
      return out;
    };
    rows.push(summary(`ALL ROUNDS: authorized ${rate}/s`, pool(quiet)));
    rows.push(summary(`ALL ROUNDS: authorized ${rate}/s + 401 flood`, pool(loud)));
    rows.push(...floods);
    console.table(rows);
  } finally {
    srv.kill('SIGTERM');
  }
}

await main();
