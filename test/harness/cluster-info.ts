// How test processes find the control plane the global setup started. The runner passes its
// environment to the per-file processes it spawns after setup, so KREBOOT_TEST_CLUSTER normally
// arrives; the file named after the runner's PID is the fallback should it not.

import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLUSTER_ENV = 'KREBOOT_TEST_CLUSTER';

/** The pointer file the global setup writes, keyed by the test runner's PID. */
export function runnerPointerFile(runnerPid: number): string {
  return join(tmpdir(), `kreboot-test-cluster-${runnerPid}.path`);
}

/** Path of the shared cluster.json, if a global setup published one for this run. */
export function clusterInfoFile(): string | undefined {
  const fromEnv = process.env[CLUSTER_ENV];
  if (fromEnv) return fromEnv;
  // Test files run in processes spawned by the runner, so the runner is our parent.
  const pointer = runnerPointerFile(process.ppid);
  if (existsSync(pointer)) return readFileSync(pointer, 'utf8').trim() || undefined;
  return undefined;
}
