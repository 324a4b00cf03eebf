// When the sentinel is checked: at start, every period, on request; never two checks at once.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { createLogger } from '../../../src/log/logger.ts';
import type { SentinelCheck, SentinelResult } from '../../../src/agent/sentinel/sentinel-check.ts';
import { SentinelLoop } from '../../../src/agent/sentinel/sentinel-loop.ts';
import { checkRequestWatcher } from '../../../src/agent/node/check-request.ts';
import { CONTROLLER } from '../../../src/store/keys.ts';
import { waitFor } from '../../harness/wait-for.ts';

const log = createLogger({ format: 'json', level: 'silent', name: 'test' });

class CountingSentinel implements SentinelCheck {
  calls = 0;
  active = 0;
  maxActive = 0;
  release: (() => void) | undefined;
  hold = false;
  async check(): Promise<SentinelResult> {
    this.calls++;
    this.active++;
    this.maxActive = Math.max(this.maxActive, this.active);
    if (this.hold) await new Promise<void>((resolve) => (this.release = resolve));
    this.active--;
    return { required: this.calls % 2 === 0 };
  }
}

test('checks at start and again every period', async () => {
  const sentinel = new CountingSentinel();
  const seen: Array<{ required: boolean; requested: boolean }> = [];
  const loop = new SentinelLoop({
    sentinel,
    periodMs: 20,
    log,
    onResult: (result, _at, requested) => void seen.push({ required: result.required, requested }),
  });
  await loop.start();
  assert.deepEqual(seen, [{ required: false, requested: true }]);
  await waitFor(() => seen.length >= 3, { what: 'two periodic checks' });
  await loop.stop();
  assert.equal(seen[1]!.requested, false);
});

test('a request during a check runs exactly one more check afterwards, never in parallel', async () => {
  const sentinel = new CountingSentinel();
  let results = 0;
  const loop = new SentinelLoop({ sentinel, periodMs: 3_600_000, log, onResult: () => void results++ });
  sentinel.hold = true;
  const first = loop.start();
  await waitFor(() => sentinel.release !== undefined, { what: 'the first check to begin' });
  loop.requestCheck();
  loop.requestCheck();
  sentinel.hold = false;
  sentinel.release!();
  await first;
  await waitFor(() => results === 2, { what: 'the requested check' });
  await loop.stop();
  assert.equal(sentinel.calls, 2);
  assert.equal(sentinel.maxActive, 1);
});

test('a throwing sentinel still yields "not required" with an error', async () => {
  let seen: SentinelResult | undefined;
  const loop = new SentinelLoop({
    sentinel: { check: () => Promise.reject(new Error('boom')) },
    periodMs: 3_600_000,
    log,
    onResult: (result) => void (seen = result),
  });
  await loop.start();
  await loop.stop();
  assert.deepEqual(seen, { required: false, error: 'sentinel check threw: boom' });
});

test('check-requested-at: the first value is remembered, each change requests a check', () => {
  const requests: string[] = [];
  const watch = checkRequestWatcher((at) => requests.push(at));
  const node = (at?: string): V1Node => ({ metadata: { annotations: at === undefined ? {} : { [CONTROLLER.checkRequestedAt]: at } } });
  watch(node('2026-11-26T10:00:00Z'));
  watch(node('2026-11-26T10:00:00Z'));
  watch(node('2026-11-26T11:00:00Z'));
  watch(node());
  watch(node('2026-11-26T12:00:00Z'));
  assert.deepEqual(requests, ['2026-11-26T11:00:00Z', '2026-11-26T12:00:00Z']);
});
