// Runs the real agent as it ships (the bundle with the DaemonSet's node flags) for the integration
// tests, the end-to-end scenario's simulated hosts and the benches, inside its own PID and mount
// namespace (`unshare --pid --fork --mount-proc`), so that "/proc/1" is the agent's namespace init
// and `nsenter -m/proc/1/ns/mnt` works for real, as with hostPID in a cluster (this machine's own
// PID 1 does not let anyone enter its namespaces). File paths are shared with the caller: only
// /proc is remounted. Without root, a user namespace (mapped to root inside) gives unshare the
// right to make the others.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedAgentArgs } from './agent-bundle.ts';
import { freePort } from '../ports.ts';
import { waitFor } from '../wait-for.ts';

export interface AgentProcess {
  /** The metrics port: the one asked for, or a free one. */
  readonly port: number;
  readonly logPath: string;
  /** The agent's own PID (outside its namespace). */
  readonly pid: number;
  readonly exited: Promise<number | string>;
  running(): boolean;
  metrics(): Promise<string>;
  /** A metric's value, or undefined when the agent exports no such sample. */
  metric(name: string, labels?: string): Promise<number | undefined>;
  log(): string;
  /** SIGTERM, SIGKILL after 5 s; resolves when the process is gone. */
  stop(): Promise<void>;
  /** SIGKILL to the agent itself (kill -9, a power cut); resolves when the process is gone. */
  kill(): Promise<void>;
}

export interface AgentOptions {
  readonly node: string;
  readonly kubeconfig: string;
  /** The log goes to `<dir>/<name>.log` (name: "agent" unless given). */
  readonly dir: string;
  readonly name?: string;
  readonly args: readonly string[];
  /** A fixed metrics port (a scrape target that survives restarts); a free one otherwise. */
  readonly port?: number;
  /** Debug unless given: the tests read the agent's reasons from its log. */
  readonly logLevel?: 'debug' | 'info';
}

const REPO = new URL('../../../', import.meta.url).pathname;
/** unshare processes still running; SIGKILLed (taking their agent along) if this process exits first. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startAgent(options: AgentOptions): Promise<AgentProcess> {
  const port = options.port ?? (await freePort());
  const logPath = join(options.dir, `${options.name ?? 'agent'}.log`);
  const fd = openSync(logPath, 'a');
  const asUser = process.getuid?.() === 0 ? [] : ['--user', '--map-root-user'];
  const child = spawn(
    'unshare',
    [
      ...asUser,
      '--pid',
      '--fork',
      '--mount-proc',
      '--kill-child=SIGKILL',
      process.execPath,
      ...(await shippedAgentArgs()),
      'agent',
      `--node-id=${options.node}`,
      `--kubeconfig=${options.kubeconfig}`,
      '--metrics-host=127.0.0.1',
      `--metrics-port=${port}`,
      '--log-format=json',
      `--log-level=${options.logLevel ?? 'debug'}`,
      ...options.args,
    ],
    { cwd: REPO, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  if (child.pid === undefined) throw new Error('could not start unshare');
  // Left running, it must not keep the caller alive: the exit hook below kills it.
  child.unref();
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  let running = true;
  live.add(child);
  void exited.then(() => {
    running = false;
    live.delete(child);
  });
  // The agent is unshare's only child; its PID outside the namespace is what signals target
  // (unshare then exits with it).
  const pid = await waitFor(
    () => {
      const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
      return children === '' ? undefined : Number(children.split(' ')[0]);
    },
    { what: `the agent of ${options.node} under unshare`, timeoutMs: 10_000 },
  );
  const signal = (name: NodeJS.Signals) => {
    try {
      if (running) process.kill(pid, name);
    } catch {
      // already gone
    }
  };

  const metrics = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
    return res.text();
  };
  return {
    port,
    logPath,
    pid,
    exited,
    running: () => running,
    metrics,
    async metric(metricName, labels = '') {
      const text = await metrics();
      const line = text.split('\n').find((l) => l.startsWith(`${metricName}${labels ? `{${labels}}` : ''} `));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    },
    log: () => readFileSync(logPath, 'utf8'),
    async stop() {
      // As its namespace's init the agent ignores SIGTERM until its handler is installed: SIGKILL
      // after a grace period.
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      signal('SIGKILL');
      await exited;
    },
  };
}
