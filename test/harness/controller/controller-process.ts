// Runs the real `kreboot controller` binary as a child process against the test cluster, and
// reads its status API. Tests kill it with SIGKILL to prove progress lives in the API server.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { shippedCliArgs } from './controller-bundle.ts';
import { freePort } from '../ports.ts';
import { startProcess, type ManagedProcess } from '../process.ts';
import { waitFor } from '../wait-for.ts';
import type { Status } from '../../../src/controller/api/status.ts';

const CLI = resolve(import.meta.dirname, '../../../src/cli.ts');
export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface ControllerProcess {
  readonly url: string;
  readonly proc: ManagedProcess;
  status(): Promise<Status>;
  post(path: string, body?: object): Promise<{ status: number; body: unknown }>;
  kill(): Promise<void>;
  stop(): Promise<void>;
}

export interface ControllerOptions {
  readonly kubeconfigPath: string;
  readonly namespace: string;
  readonly dsName: string;
  readonly nodeSelector: string;
  readonly args?: readonly string[];
  readonly name?: string;
  readonly env?: Record<string, string>;
  /** Run the shipped bundle with the image's node flags instead of src/cli.ts (benches, packaging). */
  readonly shipped?: boolean;
}

export async function startControllerProcess(options: ControllerOptions): Promise<ControllerProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'kreboot-controller-'));
  const tokenFile = join(dir, 'admin-token');
  writeFileSync(tokenFile, `${ADMIN_TOKEN}\n`);
  const port = await freePort();
  const args = [
    ...(options.shipped ? await shippedCliArgs() : [CLI]),
    'controller',
    `--kubeconfig=${options.kubeconfigPath}`,
    `--ds-namespace=${options.namespace}`,
    `--ds-name=${options.dsName}`,
    `--node-selector=${options.nodeSelector}`,
    '--metrics-host=127.0.0.1',
    `--metrics-port=${port}`,
    '--webhook-auth=none',
    `--admin-token-file=${tokenFile}`,
    '--lease-duration=3s',
    '--log-format=json',
    '--log-level=debug',
    ...(options.args ?? []),
  ];
  const proc = startProcess(options.name ?? `controller-${port}`, process.execPath, args, {
    logDir: dir,
    ...(options.env ? { env: options.env } : {}),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitFor(
    async () => {
      if (!proc.running()) throw new Error(`controller exited: ${proc.tail(20)}`);
      return (await fetch(`${url}/readyz`)).ok;
    },
    { timeoutMs: 30_000, what: 'controller ready' },
  );
  return {
    url,
    proc,
    async status() {
      return (await (await fetch(`${url}/api/v1/status`)).json()) as Status;
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
      process.kill(proc.pid, 'SIGKILL');
      await proc.exited;
    },
    stop: () => proc.stop(),
  };
}
