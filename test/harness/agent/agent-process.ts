// Runs the real agent as it ships (the bundle with the DaemonSet's node flags) for the integration
// tests, inside its own PID and mount namespace (`unshare --pid --fork --mount-proc`), so that
// "/proc/1" is the agent's namespace init and `nsenter -m/proc/1/ns/mnt` works for real, as with
// hostPID in a cluster (this machine's own PID 1 does not let anyone enter its namespaces). File
// paths are shared with the test: only /proc is remounted.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedAgentArgs } from './agent-bundle.ts';
import { freePort } from '../ports.ts';
import { waitFor } from '../wait-for.ts';

export interface AgentProcess {
  readonly port: number;
  readonly logPath: string;
  /** The agent's own PID (outside its namespace). */
  readonly pid: number;
  metrics(): Promise<string>;
  /** A metric's value, or undefined when the agent exports no such sample. */
  metric(name: string, labels?: string): Promise<number | undefined>;
  log(): string;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<void>;
  /** SIGKILL to the agent itself (kill -9), then waits for the exit. */
  kill9(): Promise<void>;
  readonly exited: Promise<number | string>;
}

export interface AgentOptions {
  readonly node: string;
  readonly kubeconfig: string;
  readonly dir: string;
  readonly name: string;
  readonly args: readonly string[];
}

const REPO = new URL('../../../', import.meta.url).pathname;
/** unshare processes still running; SIGKILLed (taking their agent along) if the test process exits first. */
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export async function startAgent({ node, kubeconfig, dir, name, args }: AgentOptions): Promise<AgentProcess> {
  const port = await freePort();
  const logPath = join(dir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  const child = spawn(
    'unshare',
    [
      '--pid',
      '--fork',
      '--mount-proc',
      '--kill-child=SIGKILL',
      process.execPath,
      ...(await shippedAgentArgs()),
      'agent',
      `--node-id=${node}`,
      `--kubeconfig=${kubeconfig}`,
      '--metrics-host=127.0.0.1',
      `--metrics-port=${port}`,
      '--log-format=json',
      '--log-level=debug',
      ...args,
    ],
    { cwd: REPO, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  let running = true;
  live.add(child);
  void exited.then(() => {
    running = false;
    live.delete(child);
  });
  // The agent is unshare's only child; its PID outside the namespace is what kill -9 targets.
  const pid = await waitFor(
    () => {
      const children = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
      return children === '' ? undefined : Number(children.split(' ')[0]);
    },
    { what: 'the agent process under unshare', timeoutMs: 10_000 },
  );

  const metrics = async () => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
    return res.text();
  };
  const agent: AgentProcess = {
    port,
    logPath,
    pid,
    exited,
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
      const signal = (name: NodeJS.Signals) => {
        try {
          if (running) process.kill(pid, name);
        } catch {
          // already gone
        }
      };
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
    async kill9() {
      if (running) process.kill(pid, 'SIGKILL');
      await exited;
    },
  };
  return agent;
}
