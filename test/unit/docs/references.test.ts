// Keeps what the docs name true: every repository path in backticks exists, every relative link
// resolves, and every `--flag` is one kreboot has (a controller, agent or CLI flag), one of this
// repository's scripts takes, or one of the listed tools' flags. A renamed file or flag then fails
// here, naming the page, instead of leaving an operator to find it.

import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { FLAGS } from '../../../src/config/flags.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

function pages(): string[] {
  const under = (folder: string) =>
    readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.md'))
      .map((name) => join(folder, name));
  return ['README.md', ...under('docs'), 'test/sim/README.md'];
}

/** The folders a backticked path must start with to be checked as one of this repository's paths. */
const REPO_PATH = /^(?:\.\/)?(?:src|test|docs|deploy|scripts|bench|\.ci|alertmanager)\//;

/**
 * Flags of other programs that the docs name, by program. A flag listed here is not checked
 * against kreboot's: keep each under the tool it belongs to.
 */
const OTHER_TOOLS: Record<string, readonly string[]> = {
  'node and V8': [
    'test',
    'test-global-setup',
    'test-concurrency',
    'test-name-pattern',
    'enable-source-maps',
    'max-old-space-size',
    'max-semi-space-size',
    'v8-pool-size',
    'no-node-snapshot',
    'jitless',
    'lite-mode',
    'single-threaded',
    'optimize-for-size',
    'trace-gc',
  ],
  'every kreboot command (not in the flag table)': ['help', 'version'],
  'Kubernetes components': [
    'config',
    'node-lease-duration-seconds',
    'flex-volume-plugin-dir',
    'advertise-address',
    'endpoint-reconciler-type',
    'secure-port',
    'authorization-mode',
    'use-service-account-credentials',
    'manage-nodes-with-annotation-selector',
  ],
  helm: ['set', 'strict'],
  'podman, buildah, unshare, nice': ['build-arg', 'pull', 'layers', 'pid', 'fork', 'mount-proc', 'user', 'map-root-user', 'nice'],
  "kured's agent (reboot hint)": ['reboothint'],
};

/** `--name` as it appears in this repository's own scripts, benches and harness (their flags). */
function toolingSource(): string {
  const files = ['scripts', 'bench', 'test/harness'].flatMap((folder) =>
    readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
      .filter((name) => /\.(ts|sh)$/.test(name))
      .map((name) => join(folder, name)),
  );
  return files.map(read).join('\n');
}

interface Span {
  readonly page: string;
  readonly code: string;
}

const spansOf = (page: string, text: string): Span[] => [...text.matchAll(/`([^`\n]+)`/g)].map((match) => ({ page, code: match[1]! }));

function missingPaths(spans: readonly Span[]): string[] {
  const missing = spans
    .map(({ page, code }) => ({
      page,
      path: code
        .trim()
        .split(/\s/)[0]!
        .replace(/[:#].*$/, ''),
    }))
    // A pattern (a glob, a placeholder) names no one file.
    .filter(({ path }) => REPO_PATH.test(path) && !/[*{}<>…]/.test(path))
    .filter(({ path }) => !existsSync(join(ROOT, path)))
    .map(({ page, path }) => `${page}: ${path}`);
  return [...new Set(missing)];
}

function unknownFlags(spans: readonly Span[], isKnown: (name: string) => boolean): string[] {
  const unknown = spans.flatMap(({ page, code }) =>
    [...code.matchAll(/(?:^|[\s=(])--([a-z][a-z0-9-]*)/g)]
      .map((match) => match[1]!)
      .filter((name) => !isKnown(name))
      .map((name) => `${page}: --${name}`),
  );
  return [...new Set(unknown)];
}

describe('the docs name what exists', () => {
  const kreboot = new Set(FLAGS.map((flag) => flag.name));
  const others = new Set(Object.values(OTHER_TOOLS).flat());
  const tooling = toolingSource();
  const isKnown = (name: string) => kreboot.has(name) || others.has(name) || tooling.includes(`--${name}`);
  const spans = pages().flatMap((page) => spansOf(page, read(page)));

  it('every backticked repository path exists', () => {
    assert.deepEqual(missingPaths(spans), []);
  });

  it('every repository file named in prose (not in backticks) exists too', () => {
    const named = pages().flatMap((page) =>
      [...read(page).matchAll(/(?<![\w/.-])((?:docs|src|test|deploy|scripts|bench|alertmanager)\/[\w./-]+\.(?:md|ts|yaml|yml|json|sh))\b/g)]
        .map((match) => match[1]!)
        .filter((path) => !existsSync(join(ROOT, path)) && !existsSync(join(ROOT, dirname(page), path)))
        .map((path) => `${page}: ${path}`),
    );
    assert.deepEqual([...new Set(named)], []);
  });

  it('every relative link resolves', () => {
    const broken = pages().flatMap((page) =>
      [...read(page).matchAll(/\]\(([^)\s]+)\)/g)]
        .map((match) => match[1]!)
        .filter((target) => !/^(?:[a-z]+:|#)/.test(target))
        .filter((target) => !existsSync(join(ROOT, dirname(page), target.split('#')[0]!)))
        .map((target) => `${page}: ${target}`),
    );
    assert.deepEqual(broken, []);
  });

  it("every --flag is kreboot's, one of this repository's scripts', or a listed tool's", () => {
    assert.deepEqual(unknownFlags(spans, isKnown), []);
  });

  it('the README names every Debian package the set-up installs, and every command of the CLI', () => {
    const setup = read('scripts/setup.sh');
    const list = /APT_PACKAGES=\(([^)]*)\)/.exec(setup)?.[1] ?? '';
    const packages = list.split(/\s+/).filter(Boolean);
    assert.ok(packages.length > 5, `the package list is read from scripts/setup.sh: ${list}`);
    const readme = read('README.md');
    assert.deepEqual(
      packages.filter((name) => !readme.includes(`\`${name}\``)),
      [],
    );
    const commands = [...read('src/cli.ts').matchAll(/^\s{2}kreboot (\w+)/gm)].map((match) => match[1]!);
    assert.ok(commands.includes('plan'), `the commands are read from src/cli.ts: ${commands.join(', ')}`);
    const table = readme.split('\n').find((line) => line.startsWith('| `src/cli.ts`')) ?? '';
    assert.deepEqual(
      commands.filter((command) => !table.includes(`\`${command}`)),
      [],
    );
  });

  it('the checks report a renamed flag and a moved file, and pass what exists', () => {
    const page = spansOf(
      'docs/example.md',
      'Run `kreboot controller --reboot-dayz=mon` after `--reboot-days=mon`; see `src/controller/gone.ts` and `src/controller/reconciler.ts`.',
    );
    assert.deepEqual(unknownFlags(page, isKnown), ['docs/example.md: --reboot-dayz']);
    assert.deepEqual(missingPaths(page), ['docs/example.md: src/controller/gone.ts']);
  });
});
