// Reboots by age (--max-node-age): when a node is due, spread by name, off and unknown cases (tables).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AGE_SPREAD_FRACTION, ageDueAt, ageRequest, nameFraction } from '../../../src/controller/policy/node-age.ts';

const DAY = 86_400_000;
const settings = { maxNodeAgeMs: 30 * DAY };
const booted = '2026-01-01T00:00:00.000Z';
const at = (ms: number) => new Date(Date.parse(booted) + ms);

test('due between 90% and 100% of the maximum age, never before, always after', () => {
  const table: Array<[string, number, boolean]> = [
    ['a day old', DAY, false],
    ['just before the window', 27 * DAY - 1, false],
    ['exactly the maximum age', 30 * DAY, true],
    ['long past it', 400 * DAY, true],
  ];
  for (const name of ['n1', 'worker-7', 'ip-10-0-0-1.eu-west-1.compute.internal']) {
    for (const [why, age, due] of table) {
      assert.equal(ageRequest({ name, bootTime: booted }, settings, at(age)) !== undefined, due, `${name}: ${why}`);
    }
  }
});

test('the request says when the node became due, and the same answer every time', () => {
  const node = { name: 'worker-7', bootTime: booted };
  const due = ageDueAt(node, settings)!;
  assert.deepEqual(ageRequest(node, settings, due), { at: due.toISOString(), kind: 'age' });
  assert.equal(ageRequest(node, settings, new Date(due.getTime() - 1)), undefined);
  assert.deepEqual(ageRequest(node, settings, at(100 * DAY)), { at: due.toISOString(), kind: 'age' }, 'at stays the due moment');
  assert.equal(ageDueAt(node, settings)!.toISOString(), due.toISOString());
  assert.equal(due.getTime() - Date.parse(booted), 27 * DAY + Math.floor(3 * DAY * nameFraction('worker-7')));
});

test('off, unknown or unreadable boot times are never due', () => {
  const late = at(1000 * DAY);
  const table: Array<[string, { name: string; bootTime?: string }, number]> = [
    ['--max-node-age=0', { name: 'n1', bootTime: booted }, 0],
    ['negative', { name: 'n1', bootTime: booted }, -1],
    ['no boot time reported', { name: 'n1' }, 30 * DAY],
    ['empty boot time', { name: 'n1', bootTime: '' }, 30 * DAY],
    ['unreadable boot time', { name: 'n1', bootTime: 'yesterday' }, 30 * DAY],
    ['boot time in the future (skewed clock)', { name: 'n1', bootTime: at(1001 * DAY).toISOString() }, 30 * DAY],
  ];
  for (const [why, node, maxNodeAgeMs] of table) assert.equal(ageRequest(node, { maxNodeAgeMs }, late), undefined, why);
});

test('a fleet booted at the same moment is spread over the window, not due at once', () => {
  const names = Array.from({ length: 200 }, (_, i) => `node-${i}`);
  const offsets = names.map((name) => ageDueAt({ name, bootTime: booted }, settings)!.getTime() - Date.parse(booted) - 27 * DAY);
  const window = 30 * DAY * AGE_SPREAD_FRACTION;
  for (const offset of offsets) assert.ok(offset >= 0 && offset < window, String(offset));
  // Ten equal slices of the window each get some nodes, none gets most of them.
  const slices = new Array<number>(10).fill(0);
  for (const offset of offsets) slices[Math.floor((offset / window) * 10)]!++;
  for (const count of slices) assert.ok(count >= 5 && count <= 40, `slice counts ${slices.join(',')}`);
  // Halfway through the window about half the fleet is due.
  const half = names.filter((name) => ageRequest({ name, bootTime: booted }, settings, at(28.5 * DAY))).length;
  assert.ok(half > 60 && half < 140, `${half} of 200 due halfway through`);
});

test('nameFraction is stable and in [0, 1)', () => {
  assert.equal(nameFraction('n1'), nameFraction('n1'));
  assert.notEqual(nameFraction('n1'), nameFraction('n2'));
  for (const name of ['', 'a', 'ü-node', 'x'.repeat(300)]) assert.ok(nameFraction(name) >= 0 && nameFraction(name) < 1);
});
