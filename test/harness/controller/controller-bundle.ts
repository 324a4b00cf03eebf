// The controller as it ships: dist/kreboot.cjs (built by scripts/build-bundles.ts, fresh for each
// test process) run with the node flags of the image's ENTRYPOINT. The end-to-end rig and the
// benches start the controller this way, so they measure and exercise what operators run.

import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildCliBundle } from '../../../scripts/build-bundles.ts';
import { ROOT } from '../packaging/packaging-files.ts';

/** Where the image puts the bundle; the ENTRYPOINT ends with it. */
export const IMAGE_CLI_BUNDLE = '/app/dist/kreboot.cjs';

/** The node flags between `node` and the bundle in the Dockerfile's ENTRYPOINT. */
export function imageNodeFlags(): string[] {
  const line = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1];
  const command = line ? (JSON.parse(line) as string[]) : [];
  if (command[0] !== 'node' || command.at(-1) !== IMAGE_CLI_BUNDLE) {
    throw new Error(`the Dockerfile's ENTRYPOINT should be ["node", …flags, "${IMAGE_CLI_BUNDLE}"], is: ${line ?? 'missing'}`);
  }
  return command.slice(1, -1);
}

/**
 * The runtime stage's ENV of the Dockerfile (NAME=VALUE pairs of its ENV lines after the last FROM):
 * the environment the image gives the controller (NODE_ENV, MALLOC_ARENA_MAX).
 */
export function imageEnv(): Record<string, string> {
  const text = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const runtime = text.slice(text.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, rest] of runtime.matchAll(/^ENV\s+(.+)$/gm))
    for (const [, name, value] of rest!.matchAll(/([A-Z_][A-Z0-9_]*)=("[^"]*"|\S+)/g)) env[name!] = value!.replace(/^"|"$/g, '');
  return env;
}

let built: Promise<string> | undefined;

/** Builds the bundle once per process, inside the repository so node_modules resolves (pino-pretty). */
export function cliBundle(): Promise<string> {
  built ??= (async () => {
    const dir = join(ROOT, '.tmp/cli-bundle', String(process.pid));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const outfile = join(dir, 'kreboot.cjs');
    await buildCliBundle(outfile);
    return outfile;
  })();
  return built;
}

/** `node` arguments that start the shipped CLI: the image's flags, then the bundle. */
export async function shippedCliArgs(): Promise<string[]> {
  return [...imageNodeFlags(), await cliBundle()];
}
