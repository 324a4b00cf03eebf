// The image keeps of node_modules only the runtime externals' closure (scripts/prune-modules.ts),
// resolved as Node resolves: the nearest node_modules first, then the parents'.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { closure } from '../../../scripts/prune-modules.ts';
import { RUNTIME_EXTERNALS } from '../../../scripts/runtime-externals.ts';

const LOCK = {
  '': { dependencies: { a: '1', big: '1' } },
  'node_modules/a': { dependencies: { b: '1', c: '1' }, optionalDependencies: { 'only-on-mac': '1', d: '1' } },
  'node_modules/a/node_modules/b': { dependencies: { c: '1' } },
  'node_modules/b': {},
  'node_modules/c': {},
  'node_modules/d': {},
  'node_modules/big': { dependencies: { b: '1' } },
};

test('the closure follows nested copies first, keeps present optional dependencies, and leaves the rest out', () => {
  assert.deepEqual([...closure(LOCK, ['a'])].sort(), [
    'node_modules/a',
    'node_modules/a/node_modules/b',
    'node_modules/c',
    'node_modules/d',
  ]);
});

test('a runtime external missing from the lock is an error, not an image without it', () => {
  assert.throws(() => closure(LOCK, ['pino-pretty']), /package-lock.json has no pino-pretty/);
});

test("the project's lock resolves every runtime external", () => {
  const lock = JSON.parse(readFileSync(new URL('../../../package-lock.json', import.meta.url), 'utf8')) as {
    packages: Parameters<typeof closure>[0];
  };
  const kept = closure(lock.packages, RUNTIME_EXTERNALS);
  for (const name of RUNTIME_EXTERNALS) assert.ok(kept.has(`node_modules/${name}`), name);
  assert.ok(!kept.has('node_modules/@kubernetes/client-node'), 'bundled packages are not kept');
});
