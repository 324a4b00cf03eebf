import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeFromLabels, stripPort } from '../../../src/alerts/node-from-labels.ts';

const DEFAULT = ['node', 'instance', 'kubernetes_node', 'nodename'];

test('stripPort', () => {
  const table: [string, string][] = [
    ['n1:9100', 'n1'],
    ['n1', 'n1'],
    ['10.0.0.7:9100', '10.0.0.7'],
    ['[::1]:9100', '::1'],
    ['[fe80::1%eth0]:9100', 'fe80::1%eth0'],
    ['::1', '::1'],
    ['fe80::1', 'fe80::1'],
    ['node-a.example.com:443', 'node-a.example.com'],
    ['host:notaport', 'host:notaport'],
  ];
  for (const [input, want] of table) assert.equal(stripPort(input), want, input);
});

test('nodeFromLabels tries the labels in order', () => {
  const table: [Record<string, string>, string | undefined][] = [
    [{ node: 'n1', instance: 'n2:9100' }, 'n1'],
    [{ instance: 'n2:9100', nodename: 'n3' }, 'n2'],
    [{ instance: '[2001:db8::5]:9100' }, '2001:db8::5'],
    [{ kubernetes_node: 'n4' }, 'n4'],
    [{ nodename: 'n5' }, 'n5'],
    [{ node: '', nodename: 'n5' }, 'n5'],
    [{ job: 'x' }, undefined],
    [{}, undefined],
  ];
  for (const [labels, want] of table) assert.equal(nodeFromLabels(labels, DEFAULT), want, JSON.stringify(labels));
});

test('nodeFromLabels never reads Object.prototype', () => {
  assert.equal(nodeFromLabels({}, ['constructor', 'toString']), undefined);
  assert.equal(nodeFromLabels({ constructor: 'n9' }, ['constructor']), 'n9');
});
