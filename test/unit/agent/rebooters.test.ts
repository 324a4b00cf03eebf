// The two reboot methods, against harmless targets: a script that records it ran, and a child
// process this test owns (never a real PID 1).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CommandRebooter } from '../../../src/agent/reboot/command-rebooter.ts';
import { SignalRebooter } from '../../../src/agent/reboot/signal-rebooter.ts';

const OWN_NAMESPACE = '/proc/self/ns/mnt';

function script(body: string): { path: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'kreboot-reboot-'));
  const path = join(dir, 'reboot.sh');
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return { path, dir };
}

test('the reboot command runs through nsenter and succeeds', async () => {
  const { path, dir } = script(`echo "$@" >> "$(dirname "$0")/ran"`);
  const outcome = await new CommandRebooter({ argv: [path, 'now'], nsenter: 'nsenter', mountNamespace: OWN_NAMESPACE }).reboot();
  assert.deepEqual(outcome, { ok: true });
  assert.equal(readFileSync(join(dir, 'ran'), 'utf8'), 'now\n');
});

test('a failing reboot command reports its exit code and stderr', async () => {
  const { path } = script('echo "Failed to reboot: access denied" >&2; exit 4');
  const outcome = await new CommandRebooter({ argv: [path], nsenter: 'nsenter', mountNamespace: OWN_NAMESPACE }).reboot();
  assert.equal(outcome.ok, false);
  assert.equal(outcome.ok === false && outcome.exitCode, 4);
  assert.match(outcome.ok === false ? outcome.message : '', /Failed to reboot: access denied/);
});

test("a missing reboot binary is a failure with nsenter's exit code", async () => {
  const outcome = await new CommandRebooter({
    argv: ['/bin/no-such-systemctl', 'reboot'],
    nsenter: 'nsenter',
    mountNamespace: OWN_NAMESPACE,
  }).reboot();
  assert.equal(outcome.ok, false);
  assert.equal(outcome.ok === false && outcome.exitCode, 127);
});

test('a missing nsenter is a failure without exit code', async () => {
  const outcome = await new CommandRebooter({ argv: ['/bin/true'], nsenter: '/nonexistent/nsenter' }).reboot();
  assert.equal(outcome.ok, false);
  assert.equal(outcome.ok === false && outcome.exitCode, undefined);
  assert.match(outcome.ok === false ? outcome.message : '', /could not start/);
});

test('the signal method signals the given process', async () => {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
  const outcome = await new SignalRebooter({ signal: 15, pid: child.pid! }).reboot();
  assert.deepEqual(outcome, { ok: true });
  assert.equal(await exited, 'SIGTERM');
});

test('a refused signal is a failure with the reason', async () => {
  const { dir } = script('');
  // A process that is gone: spawn and reap one, then signal its PID.
  const child = spawn('true', { stdio: 'ignore' });
  await new Promise((resolve) => child.once('exit', resolve));
  const outcome = await new SignalRebooter({ signal: 15, pid: child.pid! }).reboot();
  assert.equal(outcome.ok, false);
  assert.match(outcome.ok === false ? outcome.message : '', /ESRCH/);
  assert.equal(existsSync(join(dir, 'ran')), false);
});

test('the signal method defaults to PID 1 (the host init with hostPID)', () => {
  assert.equal(new SignalRebooter({ signal: 39 }).pid, 1);
});
