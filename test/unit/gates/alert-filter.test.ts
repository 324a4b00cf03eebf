import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { isBlockingAlert, KREBOOT_HEALTH_ALERTS, type AlertFilterRules } from '../../../src/gates/alert-filter.ts';
import { parseLabelMatcher, parseLabelMatchers } from '../../../src/gates/label-matchers.ts';
import { prometheusAlertsGate } from '../../../src/gates/prometheus-alerts-gate.ts';
import type { PrometheusClient, QueryResult, Sample } from '../../../src/prometheus/prometheus-client.ts';

const alert = (alertname: string, alertstate = 'firing', extra: Record<string, string> = {}, value = 1): Sample => ({
  metric: { __name__: 'ALERTS', alertname, alertstate, ...extra },
  value,
});
const base: AlertFilterRules = {
  filter: undefined,
  matchOnly: false,
  firingOnly: false,
  matchers: [],
  requestAlerts: [/^RebootRequired$/],
};

function names(samples: Sample[], rules: Partial<AlertFilterRules>): string[] {
  return samples.filter((s) => isBlockingAlert(s, { ...base, ...rules })).map((s) => s.metric.alertname!);
}

// kured's prometheus_test.go table, as (filter, firingOnly, matchOnly) → names that block.
test('kured semantics: filter regexp, match-only, firing-only', () => {
  const samples = [
    alert('A', 'firing'),
    alert('B', 'pending'),
    alert('IgnoreMe', 'firing'),
    alert('IgnoreMeToo', 'pending'),
    alert('Zero', 'firing', {}, 0),
    { metric: { alertstate: 'firing' }, value: 1 },
  ];
  const table: [RegExp | undefined, boolean, boolean, string[]][] = [
    [undefined, false, false, ['A', 'B', 'IgnoreMe', 'IgnoreMeToo']],
    [undefined, true, false, ['A', 'IgnoreMe']],
    [/Ignore/, false, false, ['A', 'B']],
    [/Ignore/, true, false, ['A']],
    [/Ignore/, false, true, ['IgnoreMe', 'IgnoreMeToo']],
    [/Ignore/, true, true, ['IgnoreMe']],
    [/^A$/, false, true, ['A']],
    [/nothing-matches/, false, true, []],
  ];
  for (const [filter, firingOnly, matchOnly, want] of table)
    assert.deepEqual(names(samples, { filter, firingOnly, matchOnly }), want, `${filter} firingOnly=${firingOnly} matchOnly=${matchOnly}`);
});

test('alerts that request reboots never block them', () => {
  assert.deepEqual(
    names([alert('RebootRequired'), alert('NodeHung'), alert('HighLoad')], { requestAlerts: [/^RebootRequired$/, /^NodeHung$/] }),
    ['HighLoad'],
  );
});

test('label matchers: =, !=, =~, !~, anchored, missing label is empty', () => {
  const labels = { severity: 'critical', team: 'dev', env: 'production' };
  const table: [string, boolean][] = [
    ['severity=critical', true],
    ['severity="critical"', true],
    ['severity=warning', false],
    ['team!=dev', false],
    ['team!=ops', true],
    ['env=~prod.*', true],
    ['env=~prod', false],
    ['env!~test|dev', true],
    ['env!~prod.*', false],
    ['missing=', true],
    ['missing!=', false],
    ['missing=~.*', true],
    [' severity = critical ', true],
  ];
  for (const [text, want] of table) {
    const parsed = parseLabelMatcher(text);
    assert.ok(parsed.ok, text);
    assert.equal(parsed.value.matches(labels), want, text);
  }
  const { problems } = parseLabelMatchers(['severity', '=x', '1abc=x', 'env=~(', 'ok=1'], '--alert-filter-labels');
  assert.equal(problems.length, 4, problems.join('\n'));
  assert.match(problems.join('\n'), /--alert-filter-labels: "env=~\(": invalid regular expression/);
  assert.deepEqual(
    names([alert('A', 'firing', { severity: 'critical' }), alert('B', 'firing', { severity: 'warning' }), alert('C')], {
      matchers: parseLabelMatchers(['severity=critical'], 'x').matchers,
    }),
    ['A'],
  );
});

function fakeClient(answer: () => QueryResult): PrometheusClient & { queries: string[] } {
  const queries: string[] = [];
  return { url: 'http://prom', queries, query: async (q) => (queries.push(q), answer()) };
}

test('alerts gate: per-node scope, cluster-wide alerts, unknown nodes, one query per cycle', async () => {
  const series = [
    alert('HighLoad', 'firing', { node: 'n1' }),
    alert('DiskFull', 'firing', { instance: 'n2:9100' }),
    alert('TargetDown', 'firing', { instance: '10.0.0.9:9090' }),
    alert('Watchdog', 'firing'),
    alert('RebootRequired', 'firing', { node: 'n3' }),
  ];
  const client = fakeClient(() => ({ resultType: 'vector', series }));
  const gate = prometheusAlertsGate({
    client,
    rules: { ...base, filter: /Watchdog/ },
    scope: 'node',
    nodeLabels: ['node', 'instance'],
    log: pino({ level: 'silent' }),
  });
  const verdict = await gate.evaluate({ now: new Date(), nodes: ['n1', 'n2', 'n3'], knownNodes: new Set(['n1', 'n2', 'n3']) });
  assert.deepEqual(verdict('n1'), {
    open: false,
    gate: 'prometheus-alerts',
    reason: '2 active alerts: HighLoad, TargetDown',
    holding: ['HighLoad', 'TargetDown'],
  });
  assert.deepEqual(verdict('n2'), {
    open: false,
    gate: 'prometheus-alerts',
    reason: '2 active alerts: DiskFull, TargetDown',
    holding: ['DiskFull', 'TargetDown'],
  });
  assert.deepEqual(verdict('n3'), {
    open: false,
    gate: 'prometheus-alerts',
    reason: '1 active alert: TargetDown',
    holding: ['TargetDown'],
  });
  assert.deepEqual(client.queries, ['ALERTS']);

  const cluster = prometheusAlertsGate({
    client,
    rules: base,
    scope: 'cluster',
    nodeLabels: ['node', 'instance'],
    log: pino({ level: 'silent' }),
  });
  const all = await cluster.evaluate({ now: new Date(), nodes: ['n3'] });
  assert.equal((all('n3') as { reason: string }).reason, '4 active alerts: DiskFull, HighLoad, TargetDown, Watchdog');

  const quiet = prometheusAlertsGate({
    client: fakeClient(() => ({ resultType: 'vector', series: [alert('HighLoad', 'pending', { node: 'n1' })] })),
    rules: { ...base, firingOnly: true },
    scope: 'node',
    nodeLabels: ['node'],
    log: pino({ level: 'silent' }),
  });
  assert.deepEqual((await quiet.evaluate({ now: new Date(), nodes: ['n1'] }))('n1'), { open: true });
});

test('alerts gate fails closed with the reason', async () => {
  const down = fakeClient(() => {
    throw new Error('Prometheus http://prom unreachable: connect ECONNREFUSED 127.0.0.1:9');
  });
  const gate = prometheusAlertsGate({ client: down, rules: base, scope: 'node', nodeLabels: ['node'], log: pino({ level: 'silent' }) });
  const verdict = (await gate.evaluate({ now: new Date(), nodes: ['n1'] }))('n1');
  assert.equal(verdict.open, false);
  assert.match((verdict as { reason: string }).reason, /^cannot read alerts from Prometheus: .*ECONNREFUSED/);
  const scalar = prometheusAlertsGate({
    client: fakeClient(() => ({ resultType: 'scalar', value: '1' })),
    rules: base,
    scope: 'node',
    nodeLabels: ['node'],
    log: pino({ level: 'silent' }),
  });
  assert.equal((await scalar.evaluate({ now: new Date(), nodes: ['n1'] }))('n1').open, false);
});

test("kreboot's own health alerts do not block (issue 26) unless a match-only filter names them; the list is the shipped kreboot-health group", () => {
  const rules = load(readFileSync(new URL('../../../alertmanager/rules.yaml', import.meta.url), 'utf8')) as {
    groups: Array<{ name: string; rules: Array<{ alert?: string }> }>;
  };
  const shipped = rules.groups.find((group) => group.name === 'kreboot-health')!.rules.map((rule) => rule.alert!);
  // Plus the optional inhibition helper's alert, which fires while kreboot has a node out.
  const inhibit = load(readFileSync(new URL('../../../alertmanager/rules-reboot-inhibit.yaml', import.meta.url), 'utf8')) as typeof rules;
  const helper = inhibit.groups.flatMap((group) => group.rules.map((rule) => rule.alert!));
  assert.deepEqual(helper, ['KrebootNodeRebooting']);
  assert.deepEqual([...KREBOOT_HEALTH_ALERTS].sort(), [...shipped, ...helper].sort());
  const samples = [...shipped.map((name) => alert(name)), alert('KrebootAgentNotReporting', 'firing', { node: 'gone' }), alert('A')];
  assert.deepEqual(names(samples, {}), ['A']);
  assert.deepEqual(names(samples, { filter: /^A$/, matchOnly: true }), ['A']);
  assert.deepEqual(names(samples, { filter: /^Kreboot/ }), ['A'], 'an ignore filter changes nothing for them');
  assert.deepEqual(
    names(samples, { filter: /^KrebootRolloutHalted$/, matchOnly: true }),
    ['KrebootRolloutHalted'],
    'named in a match-only list, one blocks again: the operator chose it',
  );
  assert.deepEqual(names([alert('KrebootCustomCheck')], {}), ['KrebootCustomCheck'], 'an operator rule under another name blocks');
});
