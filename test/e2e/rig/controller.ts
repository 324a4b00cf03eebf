// The real `kreboot controller` for the end-to-end runs, on one fixed port for the whole scenario:
// Alertmanager's receiver URL is written once, so a controller killed and started again must come
// back at the same address. Webhook and admin credentials come from files, as in a cluster.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../harness/ports.ts';
import { startProcess, type ManagedProcess } from '../../harness/process.ts';
import { waitFor } from '../../harness/wait-for.ts';
import type { Status } from '../../../src/controller/api/status.ts';
import { shippedCliArgs } from '../../harness/controller/controller-bundle.ts';

export const WEBHOOK_TOKEN = 'e2e-webhook-token-7f3a9c';
export const ADMIN_TOKEN = 'e2e-admin-token-52d1e8';

export interface Controller {
  readonly url: string;
  readonly webhookTokenFile: string;
  readonly proc: () => ManagedProcess | undefined;
  /** Starts (or starts again) the controller with the scenario's arguments. */
  start(): Promise<void>;
  /** SIGKILL: no shutdown handler runs. */
  kill(): Promise<void>;
  stop(): Promise<void>;
  status(): Promise<Status>;
  post(path: string, body?: object): Promise<number>;
  logTail(lines?: number): string;
}

export async function createController(options: {
  dir: string;
  kubeconfig: string;
  args: () => readonly string[];
  /** Pod name prefix (the leader identity); another replica needs its own. */ name?: string;
}): Promise<Controller> {
  const name = options.name ?? 'e2e-controller';
  const webhookTokenFile = join(options.dir, 'webhook-token');
  const adminTokenFile = join(options.dir, 'admin-token');
  writeFileSync(webhookTokenFile, `${WEBHOOK_TOKEN}\n`);
  writeFileSync(adminTokenFile, `${ADMIN_TOKEN}\n`);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let proc: ManagedProcess | undefined;
  let runs = 0;

  return {
    url,
    webhookTokenFile,
    proc: () => proc,
    async start() {
      runs++;
      const args = options.args();
      // The controller as the image runs it: the bundle and the ENTRYPOINT's node flags.
      const current = startProcess(
        `${name === 'e2e-controller' ? 'controller' : name}-${runs}`,
        process.execPath,
        [
          ...(await shippedCliArgs()),
          'controller',
          `--kubeconfig=${options.kubeconfig}`,
          '--metrics-host=127.0.0.1',
          `--metrics-port=${port}`,
          `--webhook-token-file=${webhookTokenFile}`,
          `--admin-token-file=${adminTokenFile}`,
          `--pod-name=${name}-${runs}`,
          ...(args.some((arg) => arg.startsWith('--lease-duration=')) ? [] : ['--lease-duration=3s']),
          '--log-format=json',
          ...args,
        ],
        { logDir: options.dir },
      );
      proc = current;
      await waitFor(
        async () => {
          if (!current.running()) throw new Error(`controller exited: ${current.tail(20)}`);
          return (await fetch(`${url}/readyz`)).ok;
        },
        { timeoutMs: 30_000, what: 'the controller ready' },
      );
    },
    async kill() {
      if (proc?.running()) {
        process.kill(proc.pid, 'SIGKILL');
        await proc.exited;
      }
    },
    async stop() {
      await proc?.stop();
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
      await response.body?.cancel();
      return response.status;
    },
    logTail(lines = 60) {
      return proc?.tail(lines) ?? '(not started)';
    },
  };
}
