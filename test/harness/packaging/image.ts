// kreboot's container image as the tests use it: the OCI archive that scripts/build-image.sh builds
// from the Dockerfile (cached in ~/.cache/kreboot/image, keyed by its inputs; built here when the
// cache lacks it, which takes minutes), and the reference the chart and the kustomize base name by
// default. A build failure is a test failure, never a skip.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../binaries.ts';

const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The chart's default image (appVersion) and the kustomize base's tag: the package version. */
export const IMAGE_REF = `ghcr.io/kreboot/kreboot:${version}`;

let archive: string | undefined;

/** The archive of the current sources (the script answers at once when its cache has it). */
export function imageArchive(): string {
  if (archive) return archive;
  try {
    archive = execFileSync('bash', [join(REPO_ROOT, 'scripts/build-image.sh')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    }).trim();
    return archive;
  } catch (error) {
    throw new Error(`scripts/build-image.sh could not build kreboot's image (its output is above): ${(error as Error).message}`, {
      cause: error,
    });
  }
}
