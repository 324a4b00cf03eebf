// The sentinel file: present means required.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FileSentinel } from '../../../src/agent/sentinel/file-sentinel.ts';

test('the file appearing and disappearing flips the result', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'kreboot-file-')), 'reboot-required');
  const sentinel = new FileSentinel(path);
  assert.deepEqual(await sentinel.check(), { required: false });
  writeFileSync(path, '');
  assert.deepEqual(await sentinel.check(), { required: true });
  rmSync(path);
  assert.deepEqual(await sentinel.check(), { required: false });
});

test('a path below a regular file is simply absent', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'kreboot-file-')), 'plain');
  writeFileSync(file, '');
  assert.deepEqual(await new FileSentinel(join(file, 'reboot-required')).check(), { required: false });
});
