// The halt kept on the lock DaemonSet: written once, never brought back over a later resume.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keepHalt } from '../../../src/controller/lock/halt-record.ts';
import type { RolloutRecord } from '../../../src/store/rollout-record.ts';

const empty: RolloutRecord = { lock: { holders: [] }, paused: undefined, halted: undefined, resumed: undefined, resourceVersion: '1' };
const halt = { at: '2026-12-06T10:00:00.000Z', node: 'n1', reason: 'node did not come back within the reboot timeout' };

describe('keepHalt()', () => {
  it('keeps a halt the record does not hold yet', () => {
    assert.deepEqual(keepHalt(halt, empty), { 'kreboot.dev/halted': JSON.stringify(halt) });
  });
  it('leaves the first halt named: a second node halting later does not replace it', () => {
    const kept = { ...empty, halted: { ...halt, node: 'n0', at: '2026-12-06T09:00:00.000Z' } };
    assert.equal(keepHalt(halt, kept), undefined);
  });
  it('does not bring back a halt that a resume after it cleared', () => {
    assert.equal(keepHalt(halt, { ...empty, resumed: { at: '2026-12-06T10:00:05.000Z' } }), undefined);
    assert.deepEqual(keepHalt(halt, { ...empty, resumed: { at: '2026-12-06T09:59:00.000Z' } }), {
      'kreboot.dev/halted': JSON.stringify(halt),
    });
  });
});
