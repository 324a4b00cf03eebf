// Issue 26 item 6: kreboot's own health alerts never hold its alert gate. With the shipped rule file
// (alertmanager/rules.yaml, its `for:` shortened to 0s so the test does not wait minutes) loaded in
// a real Prometheus 2.42 and the metrics those rules read exported, KrebootRolloutHalted,
// KrebootNodeFailed and KrebootNotificationsDropped (no node label) and KrebootAgentNotReporting
// (for a node the cluster no longer has, and for a known one) all fire, and the gate stays open for
// every node. A control alert without a node label still blocks every node, and only it is named.
// And the shipped rule's own fix: once kube-state-metrics' kube_node_info lists the cluster's nodes,
// KrebootAgentNotReporting for the deleted node resolves, while the known node's stays.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, afterEach, before, test } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { startMonitoring, type Monitoring } from '../../harness/monitoring.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { buildGates } from '../../../src/gates/build-gates.ts';
import { evaluateGates } from '../../../src/gates/evaluate-gates.ts';
import type { Gate, Verdict } from '../../../src/gates/gate.ts';
import { startFakeExporter, type FakeExporter } from '../../harness/fake-exporter.ts';

const SHIPPED = readFileSync(new URL('../../../alertmanager/rules.yaml', import.meta.url), 'utf8');
const OWN = ['KrebootRolloutHalted', 'KrebootNodeFailed', 'KrebootNotificationsDropped', 'KrebootAgentNotReporting'];
const RULES = `${SHIPPED.replace(/^(\s+)for: \S+$/gm, '$1for: 0s')}
  - name: control
    rules:
      - alert: ClusterWarning
        expr: test_cluster_warning > 0
`;
const AM_CONFIG = `
route: { receiver: none, group_wait: 1s, group_interval: 1s, repeat_interval: 1h }
receivers: [ { name: none } ]
`;

let exporter: FakeExporter;
let monitoring: Monitoring;
let gates: Gate[];
const nodes = ['n1', 'n2'];

before(async () => {
  exporter = await startFakeExporter({
    kreboot_rollout_halted: [],
    kreboot_nodes: ['phase'],
    kreboot_notifications_total: ['service', 'result'],
    kured_reboot_required: ['node'],
    test_cluster_warning: [],
    kube_node_info: ['node'],
  });
  exporter.set('kreboot_rollout_halted', {}, 0);
  exporter.set('kreboot_nodes', { phase: 'failed' }, 0);
  exporter.set('kreboot_notifications_total', { service: 'slack', result: 'failed' }, 0);
  for (const node of ['n1', 'n2', 'gone']) exporter.set('kured_reboot_required', { node }, 0);
  exporter.set('test_cluster_warning', {}, 0);
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
        gateQuery: '',
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
    { kc, log: pino({ level: 'silent' }), registry: new Registry() },
  );
  assert.deepEqual(built.problems, []);
  gates = built.gates;
  await monitoring.waitForTarget();
});
after(async () => {
  await monitoring?.stop();
  await exporter?.close();
});
afterEach((t) => printOnFailure(t, () => monitoring.logs()));

async function verdicts(): Promise<Record<string, Verdict>> {
  const verdict = await evaluateGates(gates, { now: new Date(), nodes, knownNodes: new Set(nodes) });
  return Object.fromEntries(nodes.map((n) => [n, verdict(n)]));
}
const reason = (v: Verdict | undefined) => (v && !v.open ? `${v.gate}: ${v.reason}` : 'open');

test("kreboot's own health alerts fire in Prometheus and the gate stays open for every node", async () => {
  exporter.set('kreboot_rollout_halted', {}, 1);
  exporter.set('kreboot_nodes', { phase: 'failed' }, 2);
  exporter.set('kreboot_notifications_total', { service: 'slack', result: 'failed' }, 3);
  exporter.remove('kured_reboot_required', { node: 'gone' }); // a node deleted with its agent
  exporter.remove('kured_reboot_required', { node: 'n2' }); // a known node whose agent stopped reporting
  for (const name of OWN) await monitoring.waitForAlert(name, 'firing', { timeoutMs: 60_000 });
  const firing = (await monitoring.alertmanagerAlerts()).map((a) => `${a.labels.alertname}${a.labels.node ? `{${a.labels.node}}` : ''}`);
  for (const expected of ['KrebootAgentNotReporting{gone}', 'KrebootAgentNotReporting{n2}']) {
    await waitFor(async () => (await monitoring.alertmanagerAlerts()).some((a) => `${a.labels.alertname}{${a.labels.node}}` === expected), {
      what: `${expected} firing (seen so far: ${firing.join(', ')})`,
    });
  }
  const v = await verdicts();
  assert.deepEqual(Object.fromEntries(Object.entries(v).map(([node, verdict]) => [node, reason(verdict)])), { n1: 'open', n2: 'open' });
});

test('while they fire, another alert without a node label still blocks every node, and only it is named', async () => {
  exporter.set('test_cluster_warning', {}, 1);
  let last: Record<string, Verdict> = {};
  await waitFor(
    async () => {
      last = await verdicts();
      return !last.n1!.open && !last.n2!.open;
    },
    { timeoutMs: 30_000, what: 'both nodes blocked by ClusterWarning' },
  );
  assert.equal(reason(last.n1), 'prometheus-alerts: 1 active alert: ClusterWarning');
  assert.equal(reason(last.n2), 'prometheus-alerts: 1 active alert: ClusterWarning');
  for (const name of OWN) await monitoring.waitForAlert(name, 'firing', { timeoutMs: 5000 });
});

test("with kube_node_info scraped, KrebootAgentNotReporting of the deleted node resolves; the known node's stays", async () => {
  for (const node of nodes) exporter.set('kube_node_info', { node }, 1);
  const promFiring = async () => {
    const body = (await (await fetch(`${monitoring.prometheusUrl}/api/v1/alerts`)).json()) as {
      data: { alerts: Array<{ labels: Record<string, string>; state: string }> };
    };
    return body.data.alerts
      .filter((a) => a.labels.alertname === 'KrebootAgentNotReporting' && a.state === 'firing')
      .map((a) => a.labels.node)
      .sort();
  };
  await waitFor(async () => JSON.stringify(await promFiring()) === JSON.stringify(['n2']), {
    timeoutMs: 30_000,
    what: 'KrebootAgentNotReporting firing only for n2 in Prometheus',
  });
});
