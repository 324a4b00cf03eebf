// The remediation memory's refusals: a re-send of the same firing, the cap per alert, and senders
// that leave out fingerprint or startsAt (both optional in the webhook payload).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { remediationEpisode, remediationRefusal, remember } from '../../../src/store/remediation-memory.ts';

const NOW = new Date('2026-12-06T12:00:00Z');
const minutesAgo = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000).toISOString();

describe('remediationRefusal()', () => {
  it('refuses a re-send of the firing it rebooted for, honours a new firing, then stops at the cap', () => {
    const alert = { alertname: 'KernelDeadlock', fingerprint: 'fp1', startsAt: minutesAgo(30) };
    let memory = remember([], { ...remediationEpisode(alert), at: minutesAgo(20) }, NOW);
    assert.match(remediationRefusal(memory, alert, 2, NOW) ?? '', /already rebooted for this firing/);
    const second = { ...alert, startsAt: minutesAgo(10) };
    assert.equal(remediationRefusal(memory, second, 2, NOW), undefined);
    memory = remember(memory, { ...remediationEpisode(second), at: minutesAgo(5) }, NOW);
    assert.match(remediationRefusal(memory, { ...alert, startsAt: minutesAgo(1) }, 2, NOW) ?? '', /the cap/);
  });

  it('an alert without fingerprint or startsAt is one episode per alert name: re-deliveries are refused', () => {
    const bare = { alertname: 'KernelDeadlock' };
    assert.equal(remediationRefusal([], bare, 3, NOW), undefined, 'the first delivery is a request');
    const memory = remember([], { ...remediationEpisode(bare), at: minutesAgo(1) }, NOW);
    for (let delivery = 2; delivery <= 4; delivery++)
      assert.match(remediationRefusal(memory, bare, 3, NOW) ?? '', /already rebooted for this firing/, `delivery ${delivery}`);
    assert.equal(remediationRefusal(memory, { alertname: 'DiskHung' }, 3, NOW), undefined, 'another alert is another episode');
  });

  it('a fingerprint without startsAt is one episode too; a startsAt without fingerprint is keyed by the alert name', () => {
    const noStart = { alertname: 'KernelDeadlock', fingerprint: 'fp1' };
    const memory = remember([], { ...remediationEpisode(noStart), at: minutesAgo(1) }, NOW);
    assert.match(remediationRefusal(memory, noStart, 3, NOW) ?? '', /already rebooted/);
    const noPrint = { alertname: 'KernelDeadlock', startsAt: minutesAgo(30) };
    const keyed = remember([], { ...remediationEpisode(noPrint), at: minutesAgo(1) }, NOW);
    assert.match(remediationRefusal(keyed, noPrint, 3, NOW) ?? '', /already rebooted/);
    assert.equal(remediationRefusal(keyed, { ...noPrint, startsAt: minutesAgo(2) }, 3, NOW), undefined, 'a new firing of it');
  });
});
