// The sentinel file noticed at once: a real temp folder and the real fs.watch (inotify), with the
// real FileSentinel behind the SentinelLoop. Waits have deadlines; nothing asserts how long a step took.
// "Event delivered" is proven with a fence: the test's own fs.watch on the same folder. libuv shares
// one inotify watch per folder, so once the fence has seen an event (and the loop has turned once),
// the agent's watch has been given it too.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { createLogger } from '../../../src/log/logger.ts';
import { FileSentinel } from '../../../src/agent/sentinel/file-sentinel.ts';
import type { SentinelCheck, SentinelResult } from '../../../src/agent/sentinel/sentinel-check.ts';
import { SentinelLoop } from '../../../src/agent/sentinel/sentinel-loop.ts';
import { SentinelWatch } from '../../../src/agent/sentinel/sentinel-watch.ts';
import { waitFor } from '../../harness/wait-for.ts';

const HOUR = 3_600_000;
const root = mkdtempSync(join(tmpdir(), 'kreboot-watch-'));
after(() => rmSync(root, { recursive: true, force: true }));

function capturedLog() {
  const lines: Array<{ level: string; msg: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: string; msg: string });
      done();
    },
  });
  return {
    log: createLogger({ format: 'json', level: 'debug', name: 'test', destination }),
    lines,
    warnings: () => lines.filter((l) => l.level === 'warning').map((l) => l.msg),
  };
}

/** Resolves once an event naming `name` reached a watcher of `dir` (and the loop has turned). */
function fence(dir: string, name: string): Promise<void> {
  return new Promise((resolve) => {
    const watcher = watch(dir, (_event, filename) => {
      if (String(filename) !== name) return;
      watcher.close();
      setImmediate(resolve);
    });
  });
}

/** FileSentinel that counts calls and can be held mid-check. */
class HeldSentinel implements SentinelCheck {
  readonly file: FileSentinel;
  calls = 0;
  active = 0;
  maxActive = 0;
  hold: Promise<void> | undefined;
  constructor(path: string) {
    this.file = new FileSentinel(path);
  }
  async check(): Promise<SentinelResult> {
    this.calls++;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    try {
      await this.hold;
      return await this.file.check();
    } finally {
      this.active--;
    }
  }
}

function loopFor(path: string, options: { log?: ReturnType<typeof capturedLog>['log']; retryMinMs?: number; periodMs?: number } = {}) {
  const log = options.log ?? capturedLog().log;
  const sentinel = new HeldSentinel(path);
  const results: Array<{ required: boolean; requested: boolean }> = [];
  const watch = new SentinelWatch({ path, log, retryMinMs: options.retryMinMs ?? 20, retryMaxMs: 100 });
  const loop = new SentinelLoop({
    sentinel,
    periodMs: options.periodMs ?? HOUR,
    log,
    watch,
    onResult: (result, _at, requested) => void results.push({ required: result.required, requested }),
  });
  return { sentinel, results, watch, loop, last: () => results.at(-1) };
}

test('the file appearing and disappearing is checked at once, with a one-hour period', async () => {
  const dir = mkdtempSync(join(root, 'appear-'));
  const path = join(dir, 'reboot-required');
  const { loop, results, last } = loopFor(path);
  await loop.start();
  assert.deepEqual(results, [{ required: false, requested: true }]);

  writeFileSync(path, '*** System restart required ***\n');
  await waitFor(() => last()?.required === true, { what: 'a check that sees the file', timeoutMs: 5_000 });
  // Seen by the watch, not asked for: the report is written because the value differs, not forced.
  assert.equal(last()?.requested, false);

  rmSync(path);
  await waitFor(() => last()?.required === false, { what: 'a check that sees the file gone', timeoutMs: 5_000 });

  // Created under another name and renamed into place (an atomic write) counts too.
  writeFileSync(join(dir, '.reboot-required.tmp'), '');
  renameSync(join(dir, '.reboot-required.tmp'), path);
  await waitFor(() => last()?.required === true, { what: 'a check after the rename', timeoutMs: 5_000 });
  await loop.stop();
});

test('other files in the folder do not cause checks', async () => {
  const dir = mkdtempSync(join(root, 'others-'));
  const { loop, sentinel } = loopFor(join(dir, 'reboot-required'));
  await loop.start();
  const seen = fence(dir, 'last.pid');
  writeFileSync(join(dir, 'reboot-required.pkgs'), 'linux-image\n');
  writeFileSync(join(dir, 'sshd.pid'), '1\n');
  rmSync(join(dir, 'sshd.pid'));
  mkdirSync(join(dir, 'lock'));
  writeFileSync(join(dir, 'last.pid'), '2\n');
  await seen;
  await loop.stop();
  assert.equal(sentinel.calls, 1, 'only the check at start');
});

test('a burst of events during a check runs exactly one more check, never two at once', async () => {
  const dir = mkdtempSync(join(root, 'burst-'));
  const path = join(dir, 'reboot-required');
  const { loop, sentinel, last } = loopFor(path);
  await loop.start();
  let release!: () => void;
  sentinel.hold = new Promise((resolve) => (release = resolve));
  writeFileSync(path, 'one\n');
  await waitFor(() => sentinel.active === 1, { what: 'the watch-triggered check to begin', timeoutMs: 5_000 });
  // dpkg writing the file line by line, then a tool replacing it: many events while the check is held.
  for (let i = 0; i < 20; i++) writeFileSync(path, `line ${i}\n`, { flag: 'a' });
  rmSync(path);
  const delivered = fence(dir, 'reboot-required');
  writeFileSync(path, 'final\n');
  await delivered;
  sentinel.hold = undefined;
  release();
  await waitFor(() => sentinel.calls === 3 && sentinel.active === 0, { what: 'the one check after the burst', timeoutMs: 5_000 });
  await loop.stop();
  assert.equal(sentinel.calls, 3, 'start, the held check, one more for the whole burst');
  assert.equal(sentinel.maxActive, 1);
  assert.equal(last()?.required, true, 'the last check saw the final state');
});

test('a missing folder logs once, the period still checks, and the watch starts when the folder appears', async (t) => {
  const dir = join(mkdtempSync(join(root, 'missing-')), 'run');
  const path = join(dir, 'reboot-required');
  const captured = capturedLog();
  const { loop, results, watch, last } = loopFor(path, { log: captured.log, retryMinMs: 10, periodMs: 200 });
  t.after(() => loop.stop());
  await loop.start();
  assert.equal(watch.watching, false);
  // Several periodic checks and watch retries go by; the folder is reported missing once.
  await waitFor(() => results.length >= 3, { what: 'periodic checks without a watch', timeoutMs: 10_000 });
  assert.deepEqual(captured.warnings(), ['the sentinel folder does not exist (yet); checking every --period until it does']);

  mkdirSync(dir);
  await waitFor(() => watch.watching, { what: 'the watch on the new folder', timeoutMs: 5_000 });
  assert.ok(captured.lines.some((l) => l.msg === 'watching the sentinel folder again'));
  await loop.stop();

  // With a period of an hour, only the watch can see the file.
  const hourly = loopFor(path, { log: captured.log });
  await hourly.loop.start();
  writeFileSync(path, '');
  await waitFor(() => hourly.last()?.required === true, { what: 'the watch to see the file', timeoutMs: 5_000 });
  await hourly.loop.stop();
  assert.equal(last()?.required, false);
});

test('the folder removed and made again: the watch follows the new folder and checks once on recovery', async () => {
  const dir = join(mkdtempSync(join(root, 'removed-')), 'run');
  mkdirSync(dir);
  const path = join(dir, 'reboot-required');
  const captured = capturedLog();
  const { loop, watch, last, sentinel } = loopFor(path, { log: captured.log, retryMinMs: 10 });
  await loop.start();
  assert.equal(watch.watching, true);

  rmSync(dir, { recursive: true });
  await waitFor(() => !watch.watching, { what: 'the watch to notice its folder is gone', timeoutMs: 5_000 });
  // The file appears while no watch runs: the check on recovery finds it.
  mkdirSync(dir);
  writeFileSync(path, '');
  await waitFor(() => last()?.required === true, { what: 'the check on recovery (or a new event) to see the file', timeoutMs: 5_000 });
  assert.equal(watch.watching, true);
  assert.equal(captured.warnings().length, 1, 'removed, then missing on each retry: one warning');

  rmSync(path);
  await waitFor(() => last()?.required === false, { what: 'the new watch to see the file removed', timeoutMs: 5_000 });
  await loop.stop();
  assert.equal(sentinel.maxActive, 1);
});

test('stop ends the watch: no check after it', async () => {
  const dir = mkdtempSync(join(root, 'stop-'));
  const path = join(dir, 'reboot-required');
  const { loop, sentinel, watch } = loopFor(path);
  await loop.start();
  await loop.stop();
  assert.equal(watch.watching, false);
  const seen = fence(dir, 'reboot-required');
  writeFileSync(path, '');
  await seen;
  assert.equal(sentinel.calls, 1);
});

test('a controller request during a watch-triggered check is honoured as a request', async () => {
  const dir = mkdtempSync(join(root, 'request-'));
  const path = join(dir, 'reboot-required');
  const { loop, sentinel, results } = loopFor(path);
  await loop.start();
  let release!: () => void;
  sentinel.hold = new Promise((resolve) => (release = resolve));
  writeFileSync(path, '');
  await waitFor(() => sentinel.active === 1, { what: 'the watch-triggered check to begin', timeoutMs: 5_000 });
  loop.requestCheck();
  sentinel.hold = undefined;
  release();
  await waitFor(() => results.length === 3, { what: 'the requested check', timeoutMs: 5_000 });
  await loop.stop();
  assert.deepEqual(
    results.map((r) => r.requested),
    [true, false, true],
  );
});
