// The real `kreboot controller` as a child process, for the integration tests, the end-to-end
// scenario and the benches alike, and its status and operator APIs. The port is chosen once: a
// controller killed (SIGKILL, so no shutdown handler runs: progress must live in the API server)
// and started again comes back at the same address, as Alertmanager's receiver URL expects.
// Credentials come from files, as in a cluster. What differs between callers is an option:
//   - entry: src/cli.ts under type stripping (quick to start; the tests' default) or the shipped
//     bundle with the image's node flags (what operators run: the scenario, the benches);
//   - webhookAuth: none (the tests post to the API directly) or Alertmanager's bearer token;
//   - shortLease: a 3 s Lease so tests see a new leader quickly, or the shipped default.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../binaries.ts';
import { shippedCliArgs } from './controller-bundle.ts';
import { freePort } from '../ports.ts';
import { startProcess, type ManagedProcess } from '../process.ts';
import { waitFor } from '../wait-for.ts';
import type { Status } from '../../../src/controller/status/status.ts';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';
export const WEBHOOK_TOKEN = 'test-webhook-token-7f3a9c';

export interface ControllerOptions {
  readonly kubeconfigPath: string;
  /** Where the credential files and the logs go (a fresh temp folder when not given). */
  readonly dir?: string;
  /** The lock DaemonSet and the nodes to manage; left to `args` (or the defaults) when not given. */
  readonly namespace?: string;
  readonly dsName?: string;
  readonly nodeSelector?: string;
  /** More flags, after the harness's own; a function is read again at every start. */
  readonly args?: readonly string[] | (() => readonly string[]);
  /** Names the process and, with the run number, the leader identity (--pod-name). */
  readonly name?: string;
  readonly env?: Record<string, string>;
  /** Run the shipped bundle with the image's node flags instead of src/cli.ts. */
  readonly shipped?: boolean;
  /** 'none' unless given: tests post alerts without credentials. */
  readonly webhookAuth?: 'none' | 'token';
  /** 'debug' unless given. */
  readonly logLevel?: 'debug' | 'info';
  /** --lease-duration=3s unless `args` set one (default true); false keeps the shipped Lease. */
  readonly shortLease?: boolean;
  readonly readyTimeoutMs?: number;
}

export interface ControllerProcess {
  readonly url: string;
  readonly webhookTokenFile: string;
  /** The current run (the last started). */
  readonly proc: ManagedProcess;
  /** Starts (or starts again, same port) and waits for /readyz. */
  start(): Promise<void>;
  status(): Promise<Status>;
  /** An operator call with the admin token. */
  post(path: string, body?: object): Promise<{ status: number; body: unknown }>;
  /** SIGKILL: no shutdown handler runs. */
  kill(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
  logTail(lines?: number): string;
  /** The log file of each run, oldest first. */
  logPaths(): string[];
}

/** A controller not started yet: call start(). */
export async function createController(options: ControllerOptions): Promise<ControllerProcess> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'kreboot-controller-'));
  const webhookTokenFile = join(dir, 'webhook-token');
  const adminTokenFile = join(dir, 'admin-token');
  writeFileSync(webhookTokenFile, `${WEBHOOK_TOKEN}\n`);
  writeFileSync(adminTokenFile, `${ADMIN_TOKEN}\n`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const runs: ManagedProcess[] = [];
  const current = () => runs.at(-1);

  const flags = (run: number): string[] => {
    const extra = typeof options.args === 'function' ? options.args() : (options.args ?? []);
    const shortLease = (options.shortLease ?? true) && !extra.some((arg) => arg.startsWith('--lease-duration='));
    return [
      `--kubeconfig=${options.kubeconfigPath}`,
      ...(options.namespace ? [`--ds-namespace=${options.namespace}`] : []),
      ...(options.dsName ? [`--ds-name=${options.dsName}`] : []),
      ...(options.nodeSelector ? [`--node-selector=${options.nodeSelector}`] : []),
      '--metrics-host=127.0.0.1',
      `--metrics-port=${port}`,
      ...(options.webhookAuth === 'token' ? [`--webhook-token-file=${webhookTokenFile}`] : ['--webhook-auth=none']),
      `--admin-token-file=${adminTokenFile}`,
      ...(options.name ? [`--pod-name=${options.name}-${run}`] : []),
      ...(shortLease ? ['--lease-duration=3s'] : []),
      '--log-format=json',
      `--log-level=${options.logLevel ?? 'debug'}`,
      ...extra,
    ];
  };

  return {
    url,
    webhookTokenFile,
    get proc() {
      const proc = current();
      if (!proc) throw new Error('the controller was not started');
      return proc;
    },
    async start() {
      const run = runs.length + 1;
      const entry = options.shipped ? await shippedCliArgs() : [join(REPO_ROOT, 'src/cli.ts')];
      const proc = startProcess(
        `${options.name ?? `controller-${port}`}-${run}`,
        process.execPath,
        [...entry, 'controller', ...flags(run)],
        {
          logDir: dir,
          cwd: REPO_ROOT,
          ...(options.env ? { env: options.env } : {}),
        },
      );
      runs.push(proc);
      await waitFor(
        async () => {
          if (!proc.running()) throw new Error(`controller exited: ${proc.tail(20)}`);
          return (await fetch(`${url}/readyz`).catch(() => undefined))?.ok === true;
        },
        { timeoutMs: options.readyTimeoutMs ?? 30_000, what: 'the controller ready' },
      );
    },
    async status() {
      const response = await fetch(`${url}/api/v1/status`);
      if (!response.ok) throw new Error(`status API answered ${response.status}`);
      return (await response.json()) as Status;
    },
    async post(path, body = {}) {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await response.json().catch(() => undefined) };
    },
    async kill() {
      const proc = current();
      if (proc?.running()) {
        process.kill(proc.pid, 'SIGKILL');
        await proc.exited;
      }
    },
    async stop(graceMs) {
      await current()?.stop(graceMs);
    },
    logTail(lines = 60) {
      return current()?.tail(lines) ?? '(not started)';
    },
    logPaths: () => runs.map((run) => run.logPath),
  };
}

/** createController, started. */
export async function startControllerProcess(options: ControllerOptions): Promise<ControllerProcess> {
  const controller = await createController(options);
  await controller.start();
  return controller;
}
