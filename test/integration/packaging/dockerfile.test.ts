// The Dockerfile, checked as far as a machine without a container engine can: hadolint finds
// nothing, the base image is pinned by digest, the runtime is non-root with production
// dependencies only, and the build steps it runs (tsc to dist/, the agent bundle, npm ci
// --omit=dev) give a binary that starts both roles and an agent bundle that runs on its own.

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildAgentBundle, buildCliBundle } from '../../../scripts/build-bundles.ts';
import { imageNodeFlags } from '../../harness/controller/controller-bundle.ts';
import { daemonSetNodeFlags } from '../../harness/agent/agent-bundle.ts';
import { hadolint, ROOT, run } from '../../harness/packaging/cli-tools.ts';

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
  assert.match(dockerfile, /^ENTRYPOINT \["node", (?:"--[a-z0-9-]+(?:=\d+)?", )*"\/app\/dist\/kreboot\.cjs"\]$/m);
});

test("the image's build steps give a kreboot that starts both roles from dist/, and the agent bundle, with production dependencies", async () => {
  const app = mkdtempSync(join(tmpdir(), 'kreboot-image-'));
  cpSync(join(ROOT, 'package.json'), join(app, 'package.json'));
  cpSync(join(ROOT, 'package-lock.json'), join(app, 'package-lock.json'));
  const tsc = run(process.execPath, [
    join(ROOT, 'node_modules/typescript/bin/tsc'),
    '-p',
    join(ROOT, 'tsconfig.build.json'),
    '--outDir',
    join(app, 'dist'),
  ]);
  assert.equal(tsc.code, 0, tsc.stdout + tsc.stderr);
  const npm = run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--prefix', app]);
  assert.equal(npm.code, 0, npm.stderr);
  for (const role of ['controller', 'agent']) {
    const help = run(process.execPath, [join(app, 'dist/cli.js'), role, '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.match(help.stdout, new RegExp(`Usage: kreboot ${role}`));
  }

  await buildAgentBundle(join(app, 'dist/kreboot-agent.cjs'));
  const agent = (...args: string[]) => run(process.execPath, [...daemonSetNodeFlags(), join(app, 'dist/kreboot-agent.cjs'), ...args]);
  const help = agent('agent', '--help');
  assert.equal(help.code, 0, help.stderr);
  assert.match(help.stdout, /Usage: kreboot agent/);
  // The text format (kured's logfmt) is inside the bundle: nothing to load from node_modules.
  const text = agent('agent', '--node-id=n1', '--kubeconfig=/nonexistent/kubeconfig', '--log-format=text');
  assert.equal(text.code, 1, text.stderr);
  assert.match(text.stdout, /^time="[^"]+" level=fatal msg="cannot load the Kubernetes configuration"/m);
  const other = agent('controller');
  assert.equal(other.code, 2);
  assert.match(other.stderr, /runs only "kreboot agent/);

  // The image's entry point: the whole CLI in one bundle, run with the ENTRYPOINT's node flags.
  await buildCliBundle(join(app, 'dist/kreboot.cjs'));
  const cli = (...args: string[]) => run(process.execPath, [...imageNodeFlags(), join(app, 'dist/kreboot.cjs'), ...args]);
  for (const command of ['controller', 'agent', 'status', 'reboot']) {
    const usage = cli(command, '--help');
    assert.equal(usage.code, 0, usage.stderr);
    assert.match(usage.stdout, new RegExp(`Usage: kreboot ${command}`));
  }
  const controllerText = cli('controller', '--kubeconfig=/nonexistent/kubeconfig', '--webhook-auth=none', '--log-format=text');
  assert.notEqual(controllerText.code, 0);
  assert.match(controllerText.stdout + controllerText.stderr, /kubeconfig|Kubernetes configuration/i);
});

test("the agent bundle holds the agent's code and none of the controller's", async () => {
  const metafile = await buildAgentBundle(join(mkdtempSync(join(tmpdir(), 'kreboot-bundle-')), 'kreboot-agent.cjs'));
  const inputs = Object.keys(metafile.inputs);
  assert.ok(
    inputs.some((input) => input.endsWith('src/agent/jobs/job-runner.ts')),
    'the agent is in it',
  );
  const packages = new Set(inputs.flatMap((input) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? []));
  for (const controllerOnly of ['@kubernetes/client-node', 'express', 'axios', 'zod', 'cron-parser']) {
    assert.ok(!packages.has(controllerOnly), `${controllerOnly} is not in the agent bundle`);
  }
  assert.deepEqual(
    inputs.filter((input) => /src\/(controller|intake|gates|notify|prometheus)\//.test(input)),
    [],
  );
});
