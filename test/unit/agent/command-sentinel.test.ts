// The sentinel command, run for real through nsenter. Unit tests enter their own mount namespace
// (/proc/self/ns/mnt); the integration tests enter PID 1's like the DaemonSet does.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { splitCommand } from '../../../src/agent/host/split-command.ts';
import { CommandSentinel } from '../../../src/agent/sentinel/command-sentinel.ts';

const OWN_NAMESPACE = '/proc/self/ns/mnt';

function sentinel(command: string, options: { timeoutMs?: number; nsenter?: string; mountNamespace?: string } = {}) {
  return new CommandSentinel({
    argv: splitCommand(command),
    nsenter: options.nsenter ?? 'nsenter',
    mountNamespace: options.mountNamespace ?? OWN_NAMESPACE,
    timeoutMs: options.timeoutMs ?? 10_000,
  });
}

test('exit 0 means a reboot is required', async () => {
  assert.deepEqual(await sentinel('/bin/true').check(), { required: true });
});

test('exit 1 means no reboot is required, without error', async () => {
  assert.deepEqual(await sentinel('/bin/false').check(), { required: false });
});

test('a quoted shell command runs as one argument', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'kreboot-sentinel-'));
  const flag = join(dir, 'reboot-required');
  const check = sentinel(`sh -c "test -f '${flag}'"`);
  assert.deepEqual(await check.check(), { required: false });
  writeFileSync(flag, '');
  assert.deepEqual(await check.check(), { required: true });
});

test('another exit code is an error and means not required', async () => {
  const result = await sentinel('sh -c "echo broken >&2; exit 3"').check();
  assert.equal(result.required, false);
  assert.match(result.error ?? '', /exit code 3: broken/);
});

test('a missing binary never means a reboot (kured #976)', async () => {
  const result = await sentinel('/usr/bin/needs-restarting-not-installed --reboothint').check();
  assert.equal(result.required, false);
  assert.match(result.error ?? '', /exit code 127/);
  assert.match(result.error ?? '', /needs-restarting-not-installed/);
});

test('a command that runs too long is killed and counts as an error', async () => {
  const result = await sentinel('sh -c "sleep 30"', { timeoutMs: 200 }).check();
  assert.equal(result.required, false);
  assert.match(result.error ?? '', /timed out/);
});

test('a missing nsenter is an error, not "not required" silently', async () => {
  const result = await sentinel('/bin/true', { nsenter: '/nonexistent/nsenter' }).check();
  assert.equal(result.required, false);
  assert.match(result.error ?? '', /could not start.*ENOENT/);
});

test('nsenter failing to enter the namespace (exit 1) is an error, not "not required" silently', async () => {
  const result = await sentinel('/bin/true', { mountNamespace: '/nonexistent/ns/mnt' }).check();
  assert.equal(result.required, false);
  assert.match(result.error ?? '', /nsenter: /);
});
