import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isNodeName, shownName } from '../../../src/intake/node-name.ts';

test('node names are lowercase DNS subdomains of at most 253 characters', () => {
  for (const name of ['n1', 'ip-10-0-0-1.ec2.internal', '10.0.0.1', 'a', `${'a'.repeat(63)}.${'b'.repeat(63)}`, 'x'.repeat(253)]) {
    assert.equal(isNodeName(name), true, name);
  }
  for (const name of [
    '',
    '.',
    '..',
    '%2F',
    '%E0%A4%A',
    'a/b',
    '../etc',
    'Node1',
    'n1.',
    '-n1',
    'n1-',
    'nœud',
    'n\u00001',
    'n 1',
    '::1',
    'x'.repeat(254),
    'x'.repeat(600_000),
  ]) {
    assert.equal(isNodeName(name), false, JSON.stringify(name.slice(0, 40)));
  }
});

test('a long name is echoed shortened, with its length', () => {
  assert.equal(shownName('n1'), 'n1');
  const shown = shownName('y'.repeat(600_000));
  assert.ok(shown.length < 120);
  assert.match(shown, /… \(600000 characters\)$/);
});
