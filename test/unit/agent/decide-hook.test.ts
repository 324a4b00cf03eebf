// The agent's host-hook policy (ADR 0019) as a table: a host hook runs at most once, a `started`
// this process is not running is reported failed, and nothing runs on an unreadable record.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideHostHook } from '../../../src/agent/hooks/decide-hook.ts';
import type { HookPoint, HostHookJob, HostHookStatus } from '../../../src/store/hook-records.ts';
import type { Parsed } from '../../../src/store/parse-json.ts';

const NOW = new Date('2026-12-01T12:00:00.000Z');
const job: HostHookJob = { id: 'h1', point: 'pre-drain', notAfter: '2026-12-01T12:10:00.000Z' };
const ok = <T>(value: T): Parsed<T> => ({ state: 'ok', value });
const status = (state: HostHookStatus['state'], id = 'h1'): Parsed<HostHookStatus> => ok({ id, state, at: NOW.toISOString() });
const PRE = new Set<HookPoint>(['pre-drain']);
const NONE = new Set<string>();

const rows: [string, Parsed<HostHookJob>, Parsed<HostHookStatus>, ReadonlySet<string>, ReadonlySet<HookPoint>, string][] = [
  ['no hook job: nothing', { state: 'absent' }, { state: 'absent' }, NONE, PRE, 'none'],
  ['a garbled hook job: nothing', { state: 'unreadable', raw: '{' }, { state: 'absent' }, NONE, PRE, 'none'],
  ['a new hook job with a command: run', ok(job), { state: 'absent' }, NONE, PRE, 'run'],
  ["another hook's status: run this one", ok(job), status('succeeded', 'h0'), NONE, PRE, 'run'],
  ['already succeeded: nothing', ok(job), status('succeeded'), NONE, PRE, 'none'],
  ['already failed: nothing', ok(job), status('failed'), NONE, PRE, 'none'],
  ['started and running here: nothing', ok(job), status('started'), new Set(['h1']), PRE, 'none'],
  ['started, not running here (the agent restarted): reported failed, not run', ok(job), status('started'), NONE, PRE, 'fail'],
  ['a garbled status (it may hide a start): nothing', ok(job), { state: 'unreadable', raw: 'x' }, NONE, PRE, 'none'],
  ['past notAfter: nothing', ok({ ...job, notAfter: '2026-12-01T11:59:59.000Z' }), { state: 'absent' }, NONE, PRE, 'none'],
  ['no command for the point: reported failed', ok({ ...job, point: 'post-reboot' }), { state: 'absent' }, NONE, PRE, 'fail'],
];

for (const [name, hookJob, hookStatus, running, commands, expected] of rows) {
  test(name, () => {
    const decision = decideHostHook(hookJob, hookStatus, running, commands, NOW);
    assert.equal(decision.act, expected);
  });
}

test('the reasons of the refusals say why', () => {
  const restarted = decideHostHook(ok(job), status('started'), NONE, PRE, NOW);
  assert.match(restarted.act === 'fail' ? restarted.reason : '', /agent restarted while the hook command ran/);
  const none = decideHostHook(ok({ ...job, point: 'post-reboot' }), { state: 'absent' }, NONE, PRE, NOW);
  assert.match(none.act === 'fail' ? none.reason : '', /no --post-reboot-hook-command/);
});
