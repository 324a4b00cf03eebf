// Silence ends: bounded at cordon (drain + reboot + margin) and at dispatch (reboot + margin).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silenceEnd } from '../../../src/alertmanager/silence-end.ts';

test('silence ends (table)', () => {
  const now = new Date('2026-03-01T10:00:00Z');
  const table: Array<[number, number, 'cordon' | 'dispatch', string]> = [
    [15 * 60_000, 30 * 60_000, 'cordon', '2026-03-01T10:50:00.000Z'], // 15m drain + 30m reboot + 5m
    [0, 30 * 60_000, 'cordon', '2026-03-01T11:35:00.000Z'], // unlimited drain: 1h assumed
    [15 * 60_000, 30 * 60_000, 'dispatch', '2026-03-01T10:35:00.000Z'],
    [0, 10 * 60_000, 'dispatch', '2026-03-01T10:15:00.000Z'],
  ];
  for (const [drainTimeoutMs, rebootTimeoutMs, step, want] of table) {
    assert.equal(
      silenceEnd(now, { drainTimeoutMs, rebootTimeoutMs }, step).toISOString(),
      want,
      `${drainTimeoutMs} ${rebootTimeoutMs} ${step}`,
    );
  }
});
