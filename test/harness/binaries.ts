// Where the control-plane binaries are: $KREBOOT_CONTROL_PLANE_BIN, or the version-keyed cache that
// scripts/build-control-plane.sh fills (it prints the folder at once when the cache is complete,
// and builds what is missing otherwise).

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok', 'kubectl'] as const;
export type Binary = (typeof BINARIES)[number];

let cached: string | undefined;

export function binaryDir(): string {
  if (cached) return cached;
  const fromEnv = process.env.KREBOOT_CONTROL_PLANE_BIN;
  const dir =
    fromEnv ||
    execFileSync('bash', [join(REPO_ROOT, 'scripts/build-control-plane.sh')], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
  for (const name of BINARIES) {
    if (!existsSync(join(dir, name))) throw new Error(`control-plane binary ${name} missing in ${dir}; run scripts/build-control-plane.sh`);
  }
  cached = dir;
  return dir;
}

export function binary(name: Binary): string {
  return join(binaryDir(), name);
}
