// The Dockerfile, checked as far as a machine without a container engine can: hadolint finds
// nothing, the base image is pinned by digest, the runtime is non-root with production
// dependencies only, and the build steps it runs (tsc to dist/, npm ci --omit=dev) give a binary
// that starts both roles.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { hadolint, ROOT, run } from './tools.ts';

const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

test('hadolint finds nothing in the Dockerfile', () => {
  const result = run(hadolint(), ['Dockerfile']);
  assert.equal(result.code, 0, result.stdout + result.stderr);
});

test('the base image is Node 24 pinned by digest, the runtime non-root with production dependencies only', () => {
  assert.match(dockerfile, /^ARG NODE_IMAGE=node:24-[a-z]+-slim@sha256:[0-9a-f]{64}$/m);
  const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
  assert.ok(froms.length >= 2 && froms.every((from) => from === '${NODE_IMAGE}'), `every stage uses the pinned base: ${froms.join(', ')}`);
  assert.match(dockerfile, /npm ci --omit=dev/);
  assert.match(dockerfile, /^USER 65532:65532$/m);
  assert.match(dockerfile, /nsenter --version/);
  assert.match(dockerfile, /^ENTRYPOINT \["node", "\/app\/dist\/cli\.js"\]$/m);
});

test('the image\'s build steps give a kreboot that starts both roles from dist/ with production dependencies', () => {
  const app = mkdtempSync(join(tmpdir(), 'kreboot-image-'));
  cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  cpSync(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
  const tsc = run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(app, 'dist')]);
  assert.equal(tsc.code, 0, tsc.stdout + tsc.stderr);
  const npm = run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefix', app]);
  assert.equal(npm.code, 0, npm.stderr);
  for (const role of ['controller', 'agent']) {
    const help = run(process.execPath, [join(app, 'dist/cli.js'), role, '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, new RegExp(`Usage: kreboot ${role}`));
  }
});
