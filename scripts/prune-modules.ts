// Keeps in node_modules only what the image's bundles load at run time: the runtime externals and
// the packages they depend on, resolved through package-lock.json as Node resolves them (nearest
// node_modules first). Everything else is already inside dist/kreboot.cjs and
// dist/kreboot-agent.cjs; shipping it again cost 115 MB of the image (docs/deploy.md, "Image").
// Run by the Dockerfile's deps stage after `npm ci --omit=dev`, from the folder holding the lock.

import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RUNTIME_EXTERNALS } from './runtime-externals.ts';

interface LockedPackage {
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
}

/** The lock's keys (node_modules/a, node_modules/a/node_modules/b) of `roots` and everything they need. */
export function closure(packages: Readonly<Record<string, LockedPackage>>, roots: readonly string[]): Set<string> {
  const kept = new Set<string>();
  const resolve = (from: string, name: string): string | undefined => {
    for (let base = from; ;) {
      const key = `${base ? `${base}/` : ''}node_modules/${name}`;
      if (packages[key]) return key;
      if (!base) return undefined;
      const parent = base.lastIndexOf('/node_modules/');
      base = parent < 0 ? '' : base.slice(0, parent);
    }
  };
  const visit = (key: string | undefined, wanted: string) => {
    if (key === undefined) throw new Error(`package-lock.json has no ${wanted}`);
    if (kept.has(key)) return;
    kept.add(key);
    const entry = packages[key]!;
    for (const name of Object.keys(entry.dependencies ?? {})) visit(resolve(key, name), name);
    // An optional dependency may be absent for this platform; what is there is kept.
    for (const name of Object.keys(entry.optionalDependencies ?? {})) {
      const found = resolve(key, name);
      if (found) visit(found, name);
    }
  };
  for (const root of roots) visit(resolve('', root), root);
  return kept;
}

/** Removes every top-level package (and scope member) of node_modules that the closure does not keep. */
function prune(root: string, kept: ReadonlySet<string>): number {
  let removed = 0;
  const keepTop = new Set([...kept].map((key) => key.split('/node_modules/')[0]!));
  const modules = join(root, 'node_modules');
  for (const entry of readdirSync(modules)) {
    if (entry.startsWith('.')) continue;
    const names = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((member) => `${entry}/${member}`) : [entry];
    for (const name of names) {
      if (keepTop.has(`node_modules/${name}`)) continue;
      rmSync(join(modules, name), { recursive: true, force: true });
      removed++;
    }
  }
  rmSync(join(modules, '.package-lock.json'), { force: true });
  return removed;
}

if (import.meta.main) {
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as { packages: Record<string, LockedPackage> };
  const kept = closure(lock.packages, RUNTIME_EXTERNALS);
  const removed = prune(process.cwd(), kept);
  process.stdout.write(`prune-modules: kept ${kept.size} packages for ${RUNTIME_EXTERNALS.join(', ')}, removed ${removed}\n`);
}
