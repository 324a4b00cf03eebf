// Starts one real agent, as it ships (the bundle with the DaemonSet's node flags), for a simulated
// host, on a fixed metrics port (Prometheus keeps scraping the same target across the host's
// "reboots"). Like the agent's integration tests it runs under `unshare --pid --fork --mount-proc`,
// so `/proc/1` is the agent's own namespace init and the agent's real `nsenter -m/proc/1/ns/mnt`
// works (this machine's PID 1 refuses to be entered).

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { shippedAgentArgs } from '../../harness/agent/agent-bundle.ts';
import { waitFor } from '../../harness/wait-for.ts';

const REPO = new URL('../../../', import.meta.url).pathname;

export interface AgentHandle {
  readonly pid: number;
  readonly exited: Promise<unknown>;
  running(): boolean;
  /** SIGKILL (a power cut); resolves when the process is gone. */
  kill(): Promise<void>;
  /** SIGTERM, SIGKILL after 5 s. */
  stop(): Promise<void>;
}

/** unshare processes still alive; killed (taking their agent along) if this process exits first. */
const live = new Set<number>();
process.on('exit', () => {
  for (const pid of live) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

export async function launchAgent(options: {
  node: string;
  kubeconfig: string;
  port: number;
  logPath: string;
  args: readonly string[];
}): Promise<AgentHandle> {
  const fd = openSync(options.logPath, 'a');
  // Without root, a user namespace (mapped to root inside) gives unshare the right to make the others.
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
      `--metrics-port=${options.port}`,
      '--log-format=json',
      ...options.args,
    ],
    { cwd: REPO, stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  const unsharePid = child.pid;
  if (unsharePid === undefined) throw new Error('could not start unshare');
  child.unref();
  live.add(unsharePid);
  let running = true;
  const exited = new Promise((resolve) => child.once('exit', resolve)).then(() => {
    running = false;
    live.delete(unsharePid);
  });
  // The agent is unshare's only child: signals go to it (unshare then exits with it).
  const pid = await waitFor(
    () => {
      const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8').trim();
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
  return {
    pid,
    exited,
    running: () => running,
    async kill() {
      signal('SIGKILL');
      await exited;
    },
    async stop() {
      // As its namespace's init the agent ignores SIGTERM until its handler is installed.
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function logPathFor(dir: string): string {
  return join(dir, 'agent.log');
}
