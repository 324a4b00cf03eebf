// The Prometheus gates against a real Prometheus 2.42. With the default configuration (kured's
// meaning) an alert naming n2 blocks every node. With --alert-scope=node (opt-in): a firing HighLoad
// alert blocks its node, resolving it unblocks; an alert naming no known node blocks everyone; the
// gate query blocks while it returns series; Prometheus stopped → blocked with the reason shown,
// and back → open.

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { startMonitoring, type Monitoring } from '../../harness/monitoring.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { loadControllerConfig } from '../../../src/config/controller-config.ts';
import { buildGates } from '../../../src/gates/build-gates.ts';
import { evaluateGates } from '../../../src/gates/evaluate-gates.ts';
import type { Gate, Verdict } from '../../../src/gates/gate.ts';
import { startFakeExporter, type FakeExporter } from '../../harness/fake-exporter.ts';

const RULES = `
groups:
  - name: test
    interval: 1s
    rules:
      - alert: HighLoad
        expr: test_load > 1
      - alert: ClusterWarning
        expr: test_cluster_warning > 0
      - alert: RebootRequired
        expr: kured_reboot_required > 0
`;
const AM_CONFIG = `
route: { receiver: none, group_wait: 1s, group_interval: 1s, repeat_interval: 1h }
receivers: [ { name: none } ]
`;

let exporter: FakeExporter;
let monitoring: Monitoring;
let gates: Gate[];
/** The gates as `kreboot controller --prometheus-url=…` builds them: every other flag at its default. */
let defaultGates: Gate[];
const registry = new Registry();
const nodes = ['n1', 'n2'];
const input = () => ({ now: new Date(), nodes, knownNodes: new Set(nodes) });

before(async () => {
  exporter = await startFakeExporter({ test_load: ['node'], test_cluster_warning: [], kured_reboot_required: ['node'] });
  exporter.set('test_load', { node: 'n1' }, 0);
  exporter.set('test_load', { node: 'n2' }, 0);
  exporter.set('test_cluster_warning', {}, 0);
  exporter.set('kured_reboot_required', { node: 'n1' }, 1); // n1 wants a reboot: must not block itself
  monitoring = await startMonitoring({ scrapeTargets: [exporter.target], rules: RULES, alertmanagerConfig: AM_CONFIG });
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: 'http://127.0.0.1:1' }],
    users: [{ name: 'u' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const built = buildGates(
    {
      prometheus: {
        url: new URL(monitoring.prometheusUrl),
        alertFilter: undefined,
        alertFilterMatchOnly: false,
        alertFiringOnly: false,
        alertScope: 'node',
        alertFilterLabels: [],
        alertIgnoreSilenced: false,
        gateQuery: 'test_load > 3',
        bearerTokenFile: '',
        username: '',
        passwordFile: '',
        caFile: '',
        timeoutMs: 2000,
      },
      window: {
        rebootDays: ['su', 'mo', 'tu', 'we', 'th', 'fr', 'sa'],
        startTime: '0:00',
        endTime: '23:59:59',
        timeZone: 'UTC',
        maintenanceWindows: [],
      },
      blockingPodSelectors: [],
      alertNodeLabels: ['node', 'instance'],
      rebootAlert: /^RebootRequired$/,
      remediationAlert: undefined,
    },
    { kc, log: pino({ level: 'silent' }), registry },
  );
  assert.deepEqual(built.problems, []);
  gates = built.gates;
  const defaults = loadControllerConfig(['--webhook-auth=none', `--prometheus-url=${monitoring.prometheusUrl}`], {});
  assert.deepEqual(defaults.problems, []);
  const builtDefault = buildGates(defaults.config, { kc, log: pino({ level: 'silent' }), registry: new Registry() });
  assert.deepEqual(builtDefault.problems, []);
  defaultGates = builtDefault.gates;
  await monitoring.waitForTarget();
  await monitoring.waitForAlert('RebootRequired', 'firing');
});
after(async () => {
  await monitoring?.stop();
  await exporter?.close();
});
afterEach((t) => printOnFailure(t, () => monitoring.logs()));

async function verdicts(from: Gate[] = gates): Promise<Record<string, Verdict>> {
  const verdict = await evaluateGates(from, input());
  return Object.fromEntries(nodes.map((n) => [n, verdict(n)]));
}

async function waitForVerdicts(
  check: (v: Record<string, Verdict>) => boolean,
  what: string,
  from: Gate[] = gates,
): Promise<Record<string, Verdict>> {
  let last: Record<string, Verdict> = {};
  try {
    return await waitFor(
      async () => {
        last = await verdicts(from);
        return check(last) ? last : false;
      },
      { timeoutMs: 30_000, intervalMs: 250, what },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}; last verdicts ${JSON.stringify(last)}`, { cause: error });
  }
}

const reason = (v: Verdict | undefined) => (v && !v.open ? `${v.gate}: ${v.reason}` : 'open');

test('open while nothing fires (a firing RebootRequired does not block its own node)', async () => {
  const v = await waitForVerdicts((v) => v.n1!.open && v.n2!.open, 'both nodes open');
  assert.deepEqual(v, { n1: { open: true }, n2: { open: true } });
});

test("by default (kured's meaning) an alert naming n2 blocks every node, n1 included", async () => {
  exporter.set('test_load', { node: 'n2' }, 2); // HighLoad{node="n2"}; below the gate query's 3
  try {
    const v = await waitForVerdicts((v) => !v.n2!.open, 'n2 blocked by HighLoad', defaultGates);
    assert.equal(reason(v.n2), 'prometheus-alerts: 1 active alert: HighLoad');
    assert.equal(reason(v.n1), 'prometheus-alerts: 1 active alert: HighLoad');
  } finally {
    exporter.set('test_load', { node: 'n2' }, 0);
  }
  await waitForVerdicts((v) => v.n1!.open && v.n2!.open, 'both open after HighLoad resolved', defaultGates);
});

test('with --alert-scope=node a firing HighLoad alert blocks its node only; resolving it unblocks', async () => {
  exporter.set('test_load', { node: 'n1' }, 2);
  const v = await waitForVerdicts((v) => !v.n1!.open, 'n1 blocked by HighLoad');
  assert.equal(reason(v.n1), 'prometheus-alerts: 1 active alert: HighLoad');
  assert.equal(reason(v.n2), 'open');
  exporter.set('test_load', { node: 'n1' }, 0);
  await waitForVerdicts((v) => v.n1!.open && v.n2!.open, 'n1 open again after HighLoad resolved');
});

test('an alert naming no known node blocks every node; the gate query blocks while it returns series', async () => {
  exporter.set('test_cluster_warning', {}, 1); // instance 127.0.0.1:port → "127.0.0.1", not a node
  const v = await waitForVerdicts((v) => !v.n1!.open && !v.n2!.open, 'both blocked by ClusterWarning');
  assert.equal(reason(v.n2), 'prometheus-alerts: 1 active alert: ClusterWarning');
  exporter.set('test_cluster_warning', {}, 0);
  await waitForVerdicts((v) => v.n1!.open && v.n2!.open, 'open after ClusterWarning resolved');

  exporter.set('test_load', { node: 'n2' }, 5); // HighLoad on n2 and the gate query (test_load > 3) for everyone
  // The query sees the sample at once; the alert fires one rule evaluation later.
  const q = await waitForVerdicts(
    (v) => !v.n1!.open && reason(v.n2).startsWith('prometheus-alerts'),
    'gate query blocks everyone, HighLoad n2',
  );
  assert.match(reason(q.n1), /^prometheus-query: gate query returned 1 series: test_load\{.*node="n2"/);
  assert.equal(reason(q.n2), 'prometheus-alerts: 1 active alert: HighLoad'); // first blocked gate in order
  exporter.set('test_load', { node: 'n2' }, 0);
  await waitForVerdicts((v) => v.n1!.open && v.n2!.open, 'open after the load went down');
});

test('Prometheus stopped → blocked with the reason; started again → open', async () => {
  await monitoring.stopPrometheus();
  const v = await verdicts();
  assert.match(
    reason(v.n1),
    /^prometheus-alerts: cannot read alerts from Prometheus: Prometheus http:\/\/127\.0\.0\.1:\d+\/ unreachable: .*ECONNREFUSED/,
  );
  assert.equal(v.n2!.open, false);
  const metrics = await registry.metrics();
  assert.match(metrics, /kreboot_gate_blocked_nodes\{gate="prometheus-alerts"\} 2/);
  assert.match(metrics, /kreboot_gate_blocked_nodes\{gate="prometheus-query"\} 2/);
  await monitoring.startPrometheus();
  await waitForVerdicts((v) => v.n1!.open && v.n2!.open, 'open once Prometheus is back');
});
