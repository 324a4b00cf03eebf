// kreboot's container image as the real-node tier uses it: the OCI archive that
// scripts/build-image.sh builds from the Dockerfile (cached in ~/.cache/kreboot/image, keyed by its
// inputs), and the reference the chart and the kustomize base name by default.

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './binaries.ts';

const version = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The chart's default image (appVersion) and the kustomize base's tag: the package version. */
export const IMAGE_REF = `ghcr.io/kreboot/kreboot:${version}`;

let archive: string | undefined;

/** $KREBOOT_IMAGE_ARCHIVE (scripts/setup.sh exports it), or the build script's answer (it builds what is missing). */
export function imageArchive(): string {
  archive ??=
    process.env.KREBOOT_IMAGE_ARCHIVE ||
    execFileSync('bash', [join(REPO_ROOT, 'scripts/build-image.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return archive;
}
