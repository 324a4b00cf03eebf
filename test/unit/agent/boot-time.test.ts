// The agent's boot time comes from /proc/stat's btime line.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bootTimeReader, parseBootTime } from '../../../src/agent/host/boot-time.ts';

const STAT =
  'cpu  2255 34 2290 22625563 6290 127 456 0 0 0\ncpu0 1132 34 1441 11311718 3675 127 438 0 0 0\nintr 114930548 113199788 3 0 5\nctxt 1990473\nbtime 1764547200\nprocesses 2915\n';

test('reads btime from a /proc/stat text', () => {
  assert.equal(parseBootTime(STAT, '/proc/stat').toISOString(), '2025-12-01T00:00:00.000Z');
  assert.throws(() => parseBootTime('cpu 1 2 3\n', '/x/stat'), /\/x\/stat has no "btime" line/);
  assert.throws(() => parseBootTime('btime 0\n', '/x/stat'), /btime 0 is not a time/);
});

test('reads the file each time, and the real /proc/stat of this machine', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'kreboot-btime-')), 'stat');
  writeFileSync(file, STAT);
  const read = bootTimeReader(file);
  assert.equal((await read()).toISOString(), '2025-12-01T00:00:00.000Z');
  writeFileSync(file, 'btime 1764633600\n');
  assert.equal((await read()).toISOString(), '2025-12-02T00:00:00.000Z');
  await assert.rejects(bootTimeReader(join(file, 'missing'))(), /ENOENT|ENOTDIR/);
  const real = await bootTimeReader('/proc/stat')();
  assert.ok(real.getTime() < Date.now() && real.getTime() > Date.parse('2000-01-01'), real.toISOString());
});
