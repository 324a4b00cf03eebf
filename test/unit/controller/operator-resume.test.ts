// `kreboot resume` lifts what held the rollout when it was asked for, not what was recorded while
// its write waited out conflicts (simulation seed 73719: a hook failure's halt recorded in the same
// instant as the resume request was lifted by the resume's write six minutes later).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createControl } from '../../../src/controller/operator/operator-control.ts';
import type { RolloutStore } from '../../../src/controller/lock/rollout-store.ts';
import type { ClusterView } from '../../../src/controller/cluster/cluster-view.ts';
import type { RequestRecorder } from '../../../src/controller/request-recorder.ts';
import type { AnnotationChanges } from '../../../src/kube/annotations.ts';
import type { RolloutRecord } from '../../../src/store/rollout-record.ts';
import type { NotificationEvent } from '../../../src/notify/event.ts';

const ASKED = new Date('2026-12-06T10:00:00.000Z');
const BEFORE = '2026-12-06T09:59:00.000Z';
const AFTER = '2026-12-06T10:00:00.022Z';
const empty: RolloutRecord = { lock: { holders: [] }, paused: undefined, halted: undefined, resumed: undefined, resourceVersion: '1' };

/** Resumes against `record` as the write finally finds it; returns the annotation changes written. */
async function resumeAgainst(record: RolloutRecord) {
  let written: AnnotationChanges | undefined;
  const rollout: RolloutStore = {
    current: () => record,
    async update(mutation) {
      const outcome = mutation(record);
      written = outcome.changes;
      return outcome.result;
    },
  };
  const view = { nodes: () => [] } as unknown as ClusterView;
  const notified: NotificationEvent[] = [];
  const control = createControl({
    view,
    rollout,
    requests: {} as RequestRecorder,
    notify: (event) => notified.push(event),
    clock: () => ASKED,
    wake: () => {},
  });
  const answer = await control.resume('operator');
  return { written: written!, notified, answer };
}

describe('kreboot resume', () => {
  it('lifts a halt and a pause recorded before it was asked for', async () => {
    const { written, notified } = await resumeAgainst({
      ...empty,
      halted: { at: BEFORE, node: 'n2', reason: 'hook failed' },
      paused: { at: BEFORE, reason: 'patch night over' },
    });
    assert.equal(written['kreboot.dev/halted'], null);
    assert.equal(written['kreboot.dev/paused'], null);
    assert.deepEqual(JSON.parse(written['kreboot.dev/resumed']!), { at: ASKED.toISOString(), by: 'operator' });
    assert.deepEqual(
      notified.map((event) => event.kind),
      ['resumed'],
    );
  });

  it('leaves a halt and a pause recorded after it was asked for, and keeps the request time', async () => {
    const { written, notified, answer } = await resumeAgainst({
      ...empty,
      halted: { at: AFTER, node: 'n2', reason: 'hook failed' },
      paused: { at: AFTER, reason: 'hold on' },
    });
    assert.equal('kreboot.dev/halted' in written, false, 'the newer halt must stay');
    assert.equal('kreboot.dev/paused' in written, false, 'the newer pause must stay');
    assert.equal(JSON.parse(written['kreboot.dev/resumed']!).at, ASKED.toISOString());
    assert.deepEqual(notified, [], 'nothing was lifted, so no "resumed" message');
    assert.equal(answer.stillHeld, `halted since ${AFTER} by n2: hook failed`, 'the operator is told what still holds the rollout');
  });

  it('lifts an unreadable halt (it has no time to compare)', async () => {
    const { written } = await resumeAgainst({ ...empty, halted: { at: '', node: '', reason: 'unreadable record: {' } });
    assert.equal(written['kreboot.dev/halted'], null);
  });
});
