// Seeded random windows and instants, around daylight-saving changes in several zones (including
// Lord Howe's 30-minute shift): whenever the gate is closed, retryAt must be open, 1 ms before it
// closed, and every whole minute between now and retryAt closed — i.e. retryAt is the exact opening.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildWindows } from '../../../src/gates/build-windows.ts';
import { maintenanceWindowGate } from '../../../src/gates/maintenance-window-gate.ts';
import { seededRandom } from '../../harness/seeded-random.ts';

const rng = seededRandom;

const ZONES: [string, string[]][] = [
  ['Europe/Berlin', ['2026-03-29T01:00:00Z', '2026-10-25T01:00:00Z']],
  ['America/New_York', ['2026-03-08T07:00:00Z', '2026-11-01T06:00:00Z']],
  ['Australia/Lord_Howe', ['2026-04-04T15:00:00Z', '2026-10-03T15:30:00Z']],
  ['Asia/Kolkata', ['2026-06-01T00:00:00Z']],
  ['UTC', ['2026-11-26T00:00:00Z']],
];
const DAYS = ['su', 'mo', 'tu', 'we', 'th', 'fr', 'sa'];
const SEED = Number(process.env.PROPERTY_SEED ?? 7);

test(`retryAt is the exact next opening (seed ${SEED})`, async () => {
  const r = rng(SEED);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(r() * list.length)]!;
  const hhmm = () => `${Math.floor(r() * 24)}:${String(Math.floor(r() * 12) * 5).padStart(2, '0')}`;
  let closed = 0;
  for (let i = 0; i < 60; i++) {
    const [zone, changes] = pick(ZONES);
    const days = DAYS.filter(() => r() < 0.4);
    if (days.length === 0) days.push(pick(DAYS));
    const spec = { rebootDays: days, startTime: hhmm(), endTime: hhmm(), timeZone: zone, maintenanceWindows: [] };
    const { windows, problems } = buildWindows(spec);
    assert.deepEqual(problems, []);
    const now = Date.parse(pick(changes)) + Math.floor((r() - 0.5) * 2 * 86_400_000);
    const v = (await maintenanceWindowGate(windows).evaluate({ now: new Date(now), nodes: ['n'] }))('n');
    const label = `${JSON.stringify(spec)} at ${new Date(now).toISOString()}`;
    if (v.open) continue;
    closed++;
    assert.ok(v.retryAt, `${label}: closed but no retryAt`);
    const at = v.retryAt.getTime();
    assert.ok(at > now, label);
    const open = (t: number) => windows.some((w) => w.contains(t));
    assert.equal(open(at), true, `${label}: not open at retryAt ${v.retryAt.toISOString()}`);
    assert.equal(open(at - 1), false, `${label}: already open before retryAt`);
    for (let t = Math.ceil(now / 60_000) * 60_000; t < at; t += 60_000)
      assert.equal(open(t), false, `${label}: open at ${new Date(t).toISOString()}, before retryAt ${v.retryAt.toISOString()}`);
  }
  assert.ok(closed > 20, `only ${closed} closed cases`);
});
