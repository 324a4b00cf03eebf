// The two log formats as a kured user reads them: JSON whose `level`, `time` and `msg` match the
// queries written for kured's logrus output, and text with one dated line per event. Secrets stay
// redacted in both.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log/logger.ts';

function capture(format: 'json' | 'text'): { log: ReturnType<typeof createLogger>; output: () => string } {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  return { log: createLogger({ format, level: 'debug', name: 'controller', destination }), output: () => text };
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

test('JSON lines carry logrus-style level words, an RFC 3339 time and msg', () => {
  const { log, output } = capture('json');
  log.info({ node: 'worker-1' }, 'drain started');
  log.warn({ node: 'worker-2', err: new Error('connection refused') }, 'eviction failed');
  log.child({ component: 'notify' }).error({ err: new Error('HTTP 500') }, 'notification failed and was dropped');
  log.debug('tick');
  const lines = output()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    lines.map((l) => l.level),
    ['info', 'warning', 'error', 'debug'],
  );
  for (const line of lines) {
    assert.match(String(line.time), RFC3339);
    assert.ok(Math.abs(Date.parse(String(line.time)) - Date.now()) < 60_000, 'time is now');
    assert.equal(typeof line.msg, 'string');
    assert.ok(!('pid' in line) && !('hostname' in line));
  }
  // What `jq 'select(.level=="info")'` written for kured finds.
  assert.deepEqual(
    lines.filter((l) => l.level === 'info').map((l) => [l.msg, l.node]),
    [['drain started', 'worker-1']],
  );
  // `err` is written as kured's `error`, serialized with its message.
  assert.equal((lines[1]?.error as { message?: string }).message, 'connection refused');
  assert.equal((lines[2]?.error as { message?: string }).message, 'HTTP 500');
});

test('text is one line per event, starting with the date, even for errors and multi-line messages', () => {
  const { log, output } = capture('text');
  log.info({ node: 'worker-1' }, 'drain started');
  log.warn({ err: new Error('boom') }, 'first line\nsecond line');
  log.fatal('cannot load the Kubernetes configuration');
  const lines = output()
    .split('\n')
    .filter((l) => l !== '');
  assert.equal(lines.length, 3, output());
  for (const line of lines) assert.match(line, /^\[\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z\] [A-Z]+ \(controller\): /);
  assert.match(lines[0] ?? '', /INFO \(controller\): drain started \{"node":"worker-1"\}$/);
  assert.match(lines[1] ?? '', /WARN \(controller\): first line\\nsecond line \{"error":\{"type":"Error","message":"boom"/);
  assert.match(lines[2] ?? '', /FATAL \(controller\): cannot load the Kubernetes configuration/);
});

test('secrets are redacted in both formats', () => {
  for (const format of ['json', 'text'] as const) {
    const { log, output } = capture(format);
    log.info(
      { url: 'slack://hook:T0-B0-S3CR3T@webhook', headers: { authorization: 'Bearer S3CR3T' }, target: { token: 'S3CR3T' } },
      'configured',
    );
    assert.ok(!output().includes('S3CR3T'), `${format}: ${output()}`);
    assert.match(output(), /\[redacted\]/);
  }
});
