// `node --test --test-global-setup=test/harness/global-setup.ts`: starts one control plane for the
// whole run (about 10 s) instead of one per test file, and stops it, by PID, when the run ends.

import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLUSTER_ENV, runnerPointerFile } from './cluster-info.ts';
import { startControlPlane, type ControlPlane } from './control-plane.ts';

let controlPlane: ControlPlane | undefined;

export async function globalSetup(): Promise<void> {
  if (process.env[CLUSTER_ENV]) return; // an outer run already provides one
  const started = Date.now();
  controlPlane = await startControlPlane();
  const infoFile = join(controlPlane.info.dir, 'cluster.json');
  process.env[CLUSTER_ENV] = infoFile;
  writeFileSync(runnerPointerFile(process.pid), infoFile);
  process.stderr.write(
    `[harness] control plane ready at ${controlPlane.info.server} in ${Date.now() - started} ms (logs: ${join(controlPlane.info.dir, 'logs')})\n`,
  );
}

export async function globalTeardown(): Promise<void> {
  if (!controlPlane) return;
  rmSync(runnerPointerFile(process.pid), { force: true });
  await controlPlane.stop();
  controlPlane = undefined;
}
