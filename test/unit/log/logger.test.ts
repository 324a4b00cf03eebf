// The two log formats as a kured user reads them: JSON whose `level`, `time` and `msg` match the
// queries written for kured's logrus output, and text in logrus' logfmt (one line per event, every
// line parsed by a strict logfmt parser). Secrets stay redacted in both.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { createLogger } from '../../../src/log/logger.ts';
import { parseLogfmt } from '../../harness/logfmt.ts';

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

test('text is kured\'s logrus logfmt: time="…" level=… msg="…" then the fields, every line parsed by a strict logfmt parser', () => {
  const { log, output } = capture('text');
  log.info({ node: 'worker-1' }, 'Reboot required');
  log.warn({ err: new Error('boom "quoted"') }, 'first line\nsecond line');
  log.child({ component: 'notify' }).info({ targets: ['slack webhook', 'ntfy ntfy.sh'], count: 2, ok: true, empty: '' }, 'configured');
  log.fatal('cannot load the Kubernetes configuration');
  log.info({ node: 'worker-3' });
  const lines = output()
    .split('\n')
    .filter((l) => l !== '');
  assert.equal(lines.length, 5, output());
  const events = lines.map((line) => parseLogfmt(line));
  for (const [index, event] of events.entries()) {
    // logrus' order: time, level, msg, then the fields.
    assert.deepEqual([...event.keys()].slice(0, 3), ['time', 'level', 'msg'], lines[index]);
    assert.match(event.get('time') ?? '', RFC3339);
    assert.ok(Math.abs(Date.parse(event.get('time') ?? '') - Date.now()) < 60_000, 'time is now');
  }
  assert.match(lines[0] ?? '', /^time="[^"]+" level=info msg="Reboot required" name=controller node=worker-1$/);
  assert.deepEqual(
    events.map((e) => e.get('level')),
    ['info', 'warning', 'info', 'fatal', 'info'],
  );
  // A newline stays inside its quoted value: one event, one line.
  assert.equal(events[1]?.get('msg'), 'first line\nsecond line');
  // kured's `error` field holds the error's text.
  assert.equal(events[1]?.get('error'), 'boom "quoted"');
  assert.equal(events[2]?.get('component'), 'notify');
  assert.equal(events[2]?.get('count'), '2');
  assert.equal(events[2]?.get('ok'), 'true');
  assert.equal(events[2]?.get('empty'), '');
  assert.deepEqual(JSON.parse(events[2]?.get('targets') ?? ''), ['slack webhook', 'ntfy ntfy.sh']);
  assert.equal(events[3]?.get('msg'), 'cannot load the Kubernetes configuration');
  assert.equal(events[4]?.get('msg'), '', 'a line logged without a message still has msg, as logrus writes it');
});

test('the logfmt parser of these tests is strict: what is not logfmt throws', () => {
  for (const bad of ['', 'msg="open', 'key', 'a=1  b=2', 'a="x\\q"', 'a=1 a=2', '"k"=v', 'a=b"c']) {
    assert.throws(() => parseLogfmt(bad), /not logfmt/, bad);
  }
  assert.deepEqual(
    [...parseLogfmt('time="2026-01-01T00:00:00Z" level=info msg="a \\"b\\"\\n" x= y=/p@q.r')],
    [
      ['time', '2026-01-01T00:00:00Z'],
      ['level', 'info'],
      ['msg', 'a "b"\n'],
      ['x', ''],
      ['y', '/p@q.r'],
    ],
  );
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
