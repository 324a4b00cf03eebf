// Message texts: kured's %s templates and defaults, named fields, and the extra kinds' texts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRenderer, render } from '../../../src/notify/templates.ts';

const kured = { drain: 'Draining node %s', reboot: 'Rebooting node %s', uncordon: 'Node %s rebooted & uncordoned successfully!' };

test('kured default templates produce kured texts', () => {
  const r = createRenderer(kured);
  assert.equal(r({ kind: 'drain', node: 'n1' }), 'Draining node n1');
  assert.equal(r({ kind: 'reboot', node: 'n1' }), 'Rebooting node n1');
  assert.equal(r({ kind: 'uncordon', node: 'n1' }), 'Node n1 rebooted & uncordoned successfully!');
});

test('an empty template falls back to the default', () => {
  assert.equal(createRenderer({ ...kured, drain: '' })({ kind: 'drain', node: 'n2' }), 'Draining node n2');
});

test('templates accept named fields and %s together', () => {
  const r = createRenderer({ ...kured, uncordon: ':white_check_mark: %s is back after {{duration}} ({{phase}})' });
  assert.equal(
    r({ kind: 'uncordon', node: 'n3', phase: 'uncordon', durationMs: 252_000 }),
    ':white_check_mark: n3 is back after 4m12s (uncordon)',
  );
});

const table: Array<[string, string, Record<string, unknown>, string]> = [
  ['every %s is the node', 'Node %s (%s)', { node: 'a' }, 'Node a (a)'],
  ['%% is a literal percent', '100%% %s', { node: 'a' }, '100% a'],
  ['{{ node }} with spaces', '{{ node }}!', { node: 'a' }, 'a!'],
  ['missing reason says so', '{{reason}}', { node: 'a' }, 'no reason given'],
  ['missing duration says so', '{{duration}}', { node: 'a' }, 'unknown time'],
  ['unknown fields stay as written', '{{zone}} %s', { node: 'a' }, '{{zone}} a'],
  ['a reason containing %s is not expanded', '{{reason}}', { node: 'a', reason: 'pod 50%s done {{node}}' }, 'pod 50%s done {{node}}'],
];
for (const [name, template, fields, expected] of table) {
  test(`render: ${name}`, () => assert.equal(render(template, { kind: 'drain', node: 'x', ...fields } as never), expected));
}

test('default texts for the kinds kured did not announce', () => {
  const r = createRenderer(kured);
  assert.equal(
    r({ kind: 'blocked', node: 'n1', reason: 'alert KubePodCrashLooping firing' }),
    'Node n1 is waiting to reboot: alert KubePodCrashLooping firing',
  );
  assert.equal(
    r({ kind: 'drain-failed', node: 'n1', reason: 'PDB web allows 0 disruptions' }),
    'Draining node n1 failed: PDB web allows 0 disruptions',
  );
  assert.equal(
    r({ kind: 'reboot-failed', node: 'n1', reason: 'not back within 10m0s' }),
    'Node n1 did not come back from its reboot: not back within 10m0s',
  );
  assert.equal(
    r({ kind: 'halted', node: 'n1', reason: 'node did not come back' }),
    'Reboot rollout halted at node n1: node did not come back',
  );
  assert.equal(r({ kind: 'resumed', node: '', reason: 'resumed by admin' }), 'Reboot rollout resumed: resumed by admin');
});

test('durations read like Go durations, to the second', () => {
  const took = (durationMs: number) => render('{{duration}}', { kind: 'uncordon', node: 'n1', reason: '', durationMs });
  assert.deepEqual([850, 42_000, 252_400, 3_780_000].map(took), ['850ms', '42s', '4m12s', '1h3m0s']);
});
