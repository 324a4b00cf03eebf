// The kreboot binary as a user runs it: bad flags exit 2 listing every problem, --help lists every
// flag with its default, and the version is package.json's.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FLAGS } from '../../../src/config/flags.ts';
import { VERSION } from '../../../src/version.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));

function kreboot(args: string[], env: Record<string, string> = {}) {
  // A clean environment, so a developer's KURED_* variables cannot change the outcome.
  const result = spawnSync(process.execPath, ['src/cli.ts', ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('kreboot binary', () => {
  it('exits 2 on a bad controller flag, listing every problem', () => {
    const { code, stderr } = kreboot(['controller', '--bad', '--concurrency=x', '--drain-timeout=later']);
    assert.equal(code, 2);
    assert.match(stderr, /--bad: unknown flag/);
    assert.match(stderr, /--concurrency: "x" is not a whole number/);
    assert.match(stderr, /--drain-timeout: "later" is not a duration/);
    assert.match(stderr, /the webhook needs credentials/);
    assert.match(stderr, /kreboot controller --help/);
  });

  it('exits 2 on a bad agent environment, naming the variable', () => {
    const { code, stderr } = kreboot(['agent'], { KURED_PERIOD: 'daily' });
    assert.equal(code, 2);
    assert.match(stderr, /KURED_PERIOD: "daily" is not a duration/);
    assert.match(stderr, /--node-id: the agent needs its node name/);
  });

  it('prints a notice for a kured flag of the other role and still reports the real problems', () => {
    const { code, stderr } = kreboot(['agent', '--concurrency=2', '--period=x']);
    assert.equal(code, 2);
    assert.match(stderr, /notice: --concurrency takes effect in the controller; the agent ignores it/);
    assert.match(stderr, /--period: "x" is not a duration/);
  });

  it('exits 2 on an unknown command', () => {
    const { code, stderr } = kreboot(['frobnicate']);
    assert.equal(code, 2);
    assert.match(stderr, /unknown command "frobnicate"/);
  });

  it('lists every flag of the role with its default under --help', () => {
    for (const role of ['controller', 'agent'] as const) {
      const { code, stdout } = kreboot([role, '--help']);
      assert.equal(code, 0);
      for (const flag of FLAGS.filter((f) => f.roles.includes(role)))
        assert.match(stdout, new RegExp(`--${flag.name}\\b`), `${role} --help misses --${flag.name}`);
      assert.match(stdout, /\(default /);
    }
  });

  it('reports the version of package.json', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string };
    assert.equal(VERSION, pkg.version);
    const { code, stdout } = kreboot(['--version']);
    assert.equal(code, 0);
    assert.equal(stdout.trim(), pkg.version);
  });
});
