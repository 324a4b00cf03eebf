// --silence-matchers: parsing matcher sets (tables), the node placeholder, and the defaults.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  DEFAULT_SILENCE_MATCHERS,
  formatMatchers,
  parseMatcherSet,
  parseMatcherSets,
  renderMatcherSet,
  sameMatchers,
  silenceFilter,
} from '../../../src/alertmanager/silence-matchers.ts';

const m = (name: string, value: string, isRegex = false, isEqual = true) => ({ name, value, isRegex, isEqual });

test('parses matcher sets: operators, quotes, braces, spaces, commas inside quotes', () => {
  const table: Array<[string, ReturnType<typeof m>[]]> = [
    ['node="{{node}}"', [m('node', '{{node}}')]],
    ['{alertname="KubeNodeNotReady", node="{{node}}"}', [m('alertname', 'KubeNodeNotReady'), m('node', '{{node}}')]],
    ['alertname=~"A|B",node="{{node}}"', [m('alertname', 'A|B', true), m('node', '{{node}}')]],
    ['node={{node}}, severity!=info', [m('node', '{{node}}'), m('severity', 'info', false, false)]],
    ['instance=~"{{node}}(:[0-9]+)?", job!~"a,b|c"', [m('instance', '{{node}}(:[0-9]+)?', true), m('job', 'a,b|c', true, false)]],
    ['node="{{node}}", summary="say \\"hi\\" \\\\ bye"', [m('node', '{{node}}'), m('summary', 'say "hi" \\ bye')]],
    ['instance=~"{{node}}\\.example\\.com"', [m('instance', '{{node}}\\.example\\.com', true)]],
  ];
  for (const [text, want] of table) {
    const parsed = parseMatcherSet(text);
    assert.ok(parsed.ok, `${text}: ${parsed.ok ? '' : parsed.error}`);
    assert.deepEqual(parsed.value, want, text);
  }
});

test('refuses what is not a node-scoped matcher set, naming the problem', () => {
  const table: Array<[string, RegExp]> = [
    ['', /empty matcher set would silence every alert/],
    ['{}', /empty matcher set/],
    ['alertname="KubeNodeNotReady"', /needs a = or =~ matcher with \{\{node\}\}/],
    ['node!="{{node}}"', /needs a = or =~ matcher with \{\{node\}\}/],
    ['node="{{node}}" alertname="X"', /expected "," before "alertname="X""/],
    ['node', /expected =, !=, =~ or !~ after node/],
    ['1node="{{node}}"', /expected a label name/],
    ['node="{{node}}', /unterminated quoted value for node/],
    ['node="{{node}}", alertname=~"(unclosed"', /not a valid regular expression/],
  ];
  for (const [text, want] of table) {
    const parsed = parseMatcherSet(text);
    assert.ok(!parsed.ok, `${text} should be refused`);
    assert.match(parsed.error, want, text);
  }
});

test('every problem is listed with the flag name', () => {
  const { sets, problems } = parseMatcherSets(['node="{{node}}"', 'alertname="X"', 'node'], '--silence-matchers');
  assert.equal(sets.length, 1);
  assert.equal(problems.length, 2);
  for (const problem of problems) assert.match(problem, /^--silence-matchers: /);
});

test('the defaults parse, and render for a node with dots (escaped only in regexes)', () => {
  const { sets, problems } = parseMatcherSets(DEFAULT_SILENCE_MATCHERS, '--silence-matchers');
  assert.deepEqual(problems, []);
  const [nodeSet, instanceSet] = sets.map((set) => renderMatcherSet(set, 'ip-10-0-0-1.eu-west-1.compute.internal'));
  assert.deepEqual(nodeSet, [
    m('alertname', 'KubeNodeNotReady|KubeNodeUnreachable|KubeNodeReadinessFlapping', true),
    m('node', 'ip-10-0-0-1.eu-west-1.compute.internal'),
  ]);
  assert.deepEqual(instanceSet, [
    m('alertname', 'TargetDown|InstanceDown|NodeDown', true),
    m('instance', 'ip-10-0-0-1\\.eu-west-1\\.compute\\.internal(:[0-9]+)?', true),
  ]);
  const instance = new RegExp(`^(?:${instanceSet![1]!.value})$`);
  assert.equal(instance.test('ip-10-0-0-1.eu-west-1.compute.internal:9100'), true);
  assert.equal(instance.test('ip-10-0-0-1.eu-west-1.compute.internal'), true);
  assert.equal(instance.test('ip-10-0-0-1xeu-west-1.compute.internal:9100'), false, 'the dot is literal');
  assert.equal(instance.test('ip-10-0-0-10.eu-west-1.compute.internal:9100'), false, 'another node');
});

test('formatting and order-insensitive comparison', () => {
  assert.equal(
    formatMatchers([m('alertname', 'A|B', true), m('node', 'n1'), m('job', 'x', false, false), m('sev', 'i.*', true, false)]),
    '{alertname=~"A|B", node="n1", job!="x", sev!~"i.*"}',
  );
  assert.equal(sameMatchers([m('a', '1'), m('b', '2')], [m('b', '2'), m('a', '1')]), true);
  assert.equal(sameMatchers([m('a', '1')], [m('a', '1', true)]), false);
  assert.equal(sameMatchers([m('a', '1')], [m('a', '1'), m('b', '2')]), false);
});

test("the lookup filter names each matcher with its own operator and exact value, quoted as Alertmanager's parser reads it", () => {
  assert.deepEqual(
    silenceFilter([
      m('alertname', 'A|B', true),
      m('instance', 'n1\\.example(:[0-9]+)?', true),
      m('node', 'say "hi"'),
      m('job', 'x', false, false),
      m('sev', 'i.*', true, false),
    ]),
    ['alertname=~"A|B"', 'instance=~"n1\\\\.example(:[0-9]+)?"', 'node="say \\"hi\\""', 'job!="x"', 'sev!~"i.*"'],
  );
});
