import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { buildGates } from '../../../src/gates/build-gates.ts';
import { evaluateGate, evaluateGates } from '../../../src/gates/evaluate-gates.ts';
import { blocked, OPEN, type Gate } from '../../../src/gates/gate.ts';
import { checkLabelSelector } from '../../../src/kube/label-selector.ts';
import { prometheusQueryGate } from '../../../src/gates/prometheus-query-gate.ts';
import type { QueryResult } from '../../../src/prometheus/prometheus-client.ts';

test('label selectors are checked at start', () => {
  for (const ok of [
    'app=db',
    'app==db,tier!=cache',
    '!canary',
    'canary',
    'env in (prod, staging)',
    'env notin (dev)',
    'example.com/role=batch',
    'app=',
  ])
    assert.equal(checkLabelSelector(ok), undefined, ok);
  for (const bad of ['', 'app=db,', 'app=d b', '=db', 'app in prod', 'app=-x', 'bad_prefix_/x=1', 'count>x'])
    assert.notEqual(checkLabelSelector(bad), undefined, bad);
});

test('query gate: empty vector opens; series, scalars and errors block', async () => {
  const run = async (answer: () => QueryResult) =>
    (
      await prometheusQueryGate({ client: { url: 'x', query: async () => answer() }, query: 'up == 0' }).evaluate({
        now: new Date(),
        nodes: ['n1'],
      })
    )('n1');
  assert.deepEqual(await run(() => ({ resultType: 'vector', series: [] })), OPEN);
  const withSeries = await run(() => ({ resultType: 'vector', series: [{ metric: { __name__: 'up', job: 'api' }, value: 0 }] }));
  assert.deepEqual(withSeries, { open: false, gate: 'prometheus-query', reason: 'gate query returned 1 series: up{job="api"}' });
  assert.equal((await run(() => ({ resultType: 'scalar', value: '1' }))).open, false);
  assert.match(
    (
      (await run(() => {
        throw new Error('boom');
      })) as { reason: string }
    ).reason,
    /cannot run the gate query: boom/,
  );
});

test('evaluateGates: first blocked verdict in gate order; a throwing gate blocks', async () => {
  const calls: string[] = [];
  const gate = (name: string, blocks: string[]): Gate => ({
    name,
    evaluate: async () => (calls.push(name), (node) => (blocks.includes(node) ? blocked(name, `${name} says no`) : OPEN)),
  });
  const broken: Gate = {
    name: 'broken',
    evaluate: async () => {
      throw new Error('kaput');
    },
  };
  const gates = [gate('a', ['n1']), gate('b', ['n1', 'n2'])];
  const verdict = await evaluateGates(gates, { now: new Date(), nodes: ['n1', 'n2', 'n3'] });
  assert.equal((verdict('n1') as { gate: string }).gate, 'a');
  assert.equal((verdict('n2') as { gate: string }).gate, 'b');
  assert.deepEqual(verdict('n3'), OPEN);
  assert.deepEqual(calls, ['a', 'b']);
  const withBroken = await evaluateGates([...gates, broken], { now: new Date(), nodes: ['n1'] });
  assert.match((withBroken('n3') as { reason: string }).reason, /gate failed: kaput/);
  assert.equal((withBroken('n1') as { gate: string }).gate, 'a');
});

function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'http://127.0.0.1:1' }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

const config = {
  prometheus: {
    url: new URL('http://127.0.0.1:1'),
    alertFilter: undefined,
    alertFilterMatchOnly: false,
    alertFiringOnly: false,
    alertScope: 'node' as const,
    alertFilterLabels: [],
    alertIgnoreSilenced: false,
    gateQuery: '',
    bearerTokenFile: '',
    username: '',
    passwordFile: '',
    caFile: '',
    timeoutMs: 500,
  },
  window: {
    rebootDays: ['su', 'mo', 'tu', 'we', 'th', 'fr', 'sa'],
    startTime: '0:00',
    endTime: '23:59:59',
    timeZone: 'UTC',
    maintenanceWindows: [],
  },
  blockingPodSelectors: [],
  alertNodeLabels: ['node'],
  rebootAlert: /^RebootRequired$/,
  remediationAlert: undefined,
};

test('buildGates lists every problem at once', () => {
  const { problems } = buildGates(
    {
      ...config,
      prometheus: {
        ...config.prometheus,
        alertFilterLabels: ['sev'],
        bearerTokenFile: '/nonexistent/token',
        caFile: '/nonexistent/ca.pem',
        gateQuery: 'up == 0',
      },
      window: { ...config.window, startTime: '5:00xm', maintenanceWindows: ['bad'] },
      blockingPodSelectors: ['app=db', ''],
    },
    { kc: kubeConfig(), log: pino({ level: 'silent' }), registry: new Registry() },
  );
  assert.equal(problems.length, 6, problems.join('\n'));
  for (const flag of [
    '--start-time',
    '--maintenance-window',
    '--blocking-pod-selector',
    '--alert-filter-labels',
    '--prometheus-ca-file',
    '--prometheus-bearer-token-file',
  ])
    assert.match(problems.join('\n'), new RegExp(flag));
});

test('buildGates: order, metrics per gate, Prometheus down blocks', async () => {
  const registry = new Registry();
  const { gates, problems } = buildGates(
    { ...config, blockingPodSelectors: ['app=db'], prometheus: { ...config.prometheus, gateQuery: 'up == 0' } },
    { kc: kubeConfig(), log: pino({ level: 'silent' }), registry },
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(
    gates.map((g) => g.name),
    ['maintenance-window', 'blocking-pods', 'prometheus-alerts', 'prometheus-query'],
  );
  const input = { now: new Date('2026-11-26T12:00:00Z'), nodes: ['n1', 'n2'] };
  const verdicts = await Promise.all(gates.map(async (gate) => (await evaluateGate(gate, input))('n1')));
  assert.deepEqual(
    verdicts.map((v) => v.open),
    [true, false, false, false],
  );
  const metrics = await registry.metrics();
  assert.match(metrics, /kreboot_gate_blocked_nodes\{gate="maintenance-window"\} 0/);
  assert.match(metrics, /kreboot_gate_blocked_nodes\{gate="prometheus-alerts"\} 2/);
  assert.match(metrics, /kreboot_gate_blocked_nodes\{gate="blocking-pods"\} 2/);
  assert.match(metrics, /kreboot_gate_last_evaluation_timestamp_seconds\{gate="prometheus-query"\} 1795\d+/);
  // A second build on the same registry does not fail on duplicate metric names.
  assert.doesNotThrow(() => buildGates(config, { kc: kubeConfig(), log: pino({ level: 'silent' }), registry }));
});
