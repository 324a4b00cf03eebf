// promtool and amtool accept the alertmanager/ files, and RebootRequired's promtool unit test passes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { debianTool, run } from '../../harness/packaging/cli-tools.ts';

test('promtool check rules accepts the rules and the examples', () => {
  const result = run(debianTool('promtool'), ['check', 'rules', 'alertmanager/rules.yaml', 'alertmanager/rules-examples.yaml']);
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /SUCCESS: 7 rules found/);
});

test('promtool test rules: RebootRequired fires per node after its for and resolves; the health alerts fire once, for what they name', () => {
  const result = run(debianTool('promtool'), ['test', 'rules', 'alertmanager/rules.test.yaml']);
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /SUCCESS/);
});

test('amtool check-config accepts the Alertmanager route and receiver', () => {
  const result = run(debianTool('amtool'), ['check-config', 'alertmanager/alertmanager.yml']);
  assert.equal(result.code, 0, result.stderr + result.stdout);
  assert.match(result.stdout, /SUCCESS/);
  assert.match(result.stdout, /2 receivers/);
});
