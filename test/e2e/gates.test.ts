// What holds a reboot, end to end: a firing alert in the real Prometheus holds every node until it
// resolves; an Alertmanager silence on RebootRequired postpones one node while the others go; a
// blocking pod holds its node until it is gone. One scenario (five nodes) serves the three tests,
// each on its own nodes. The blocking alert is a test rule (E2EDiskFull, no node label, so it
// blocks the whole cluster) added next to alertmanager/rules.yaml's group and toggled by
// reloading Prometheus with a firing (vector(1)) or empty expression.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type Cluster } from '../harness/cluster.ts';
import { waitForCycles } from '../harness/controller/decision-cycles.ts';
import { printOnFailure } from '../harness/on-failure.ts';
import { startedAt } from '../harness/scenario/rollout-checks.ts';
import { rulesForE2e } from '../harness/scenario/alerting-files.ts';
import { startScenario, type Scenario } from '../harness/scenario/scenario.ts';

const blocker = (firing: boolean) =>
  rulesForE2e([{ alert: 'E2EDiskFull', expr: firing ? 'vector(1)' : 'vector(0) > 1', labels: { severity: 'critical' } }]);
const BLOCKING_LABEL = 'e2e-blocks-reboot';

let cluster: Cluster;
let scenario: Scenario;

before(async () => {
  cluster = await startCluster();
  scenario = await startScenario(cluster, {
    controllerArgs: [`--blocking-pod-selector=${BLOCKING_LABEL}=true`],
    extraRules: [{ alert: 'E2EDiskFull', expr: 'vector(0) > 1' }],
  });
});
after(async () => {
  await scenario?.stop();
  await cluster?.stop();
});

describe('gates, end to end', () => {
  it('a firing alert holds every node until it resolves', async (t) => {
    t.after(() => printOnFailure(t, () => scenario.report()));
    const [a, b] = scenario.nodes;
    await scenario.monitoring.setRules(blocker(true));
    await scenario.monitoring.waitForAlert('E2EDiskFull', 'firing');
    scenario.host(a!).requireReboot();
    scenario.host(b!).requireReboot();
    // Both requests arrive (through Prometheus and Alertmanager) and wait, naming the alert.
    await cluster.waitFor(
      async () => {
        const status = await scenario.controller.status();
        return [a, b].every((node) =>
          status.nodes.some((n) => n.name === node && n.phase === 'waiting' && n.reason.includes('E2EDiskFull')),
        );
      },
      { timeoutMs: 60_000, what: 'both nodes waiting on E2EDiskFull' },
    );
    // Held: a few gate re-checks (every 2 s, each a decision cycle) later, nothing is cordoned.
    await waitForCycles(scenario.controller, 3, { what: 'to cordon a node under a firing alert' });
    for (const node of [a!, b!])
      assert.notEqual((await cluster.core.readNode({ name: node })).spec?.unschedulable, true, `${node} cordoned under a firing alert`);
    assert.equal(scenario.host(a!).reboots + scenario.host(b!).reboots, 0);

    const resolvedAt = Date.now();
    await scenario.monitoring.setRules(blocker(false));
    await scenario.waitRebooted([a!, b!]);
    for (const node of [a!, b!]) assert.ok(startedAt(scenario, node) >= resolvedAt, `${node} started before the alert resolved`);
    assert.ok(scenario.progress.maxInFlight() <= 1);
  });

  it('an Alertmanager silence postpones one node while another goes', async (t) => {
    t.after(() => printOnFailure(t, () => scenario.report()));
    const [, , c, d] = scenario.nodes;
    const silence = await scenario.monitoring.addSilence({ alertname: 'RebootRequired', node: d! }, 10 * 60_000, 'postpone d');
    scenario.host(c!).requireReboot();
    scenario.host(d!).requireReboot();
    await scenario.waitRebooted([c!]);
    // d's alert fires in Prometheus but Alertmanager holds it: no request, no cordon.
    const alerts = await scenario.monitoring.alertmanagerAlerts();
    assert.ok(
      alerts.some((alert) => alert.labels.node === d && alert.status.silencedBy.includes(silence)),
      'RebootRequired for d is silenced',
    );
    const status = await scenario.controller.status();
    const dStatus = status.nodes.find((n) => n.name === d);
    assert.equal(dStatus?.request, undefined, 'd has no reboot request');
    assert.equal(scenario.host(d!).reboots, 0);

    await scenario.monitoring.expireSilence(silence);
    await scenario.waitRebooted([d!]);
    assert.equal(scenario.host(d!).reboots, 1);
  });

  it('a blocking pod holds its node until it is gone', async (t) => {
    t.after(() => printOnFailure(t, () => scenario.report()));
    const e = scenario.nodes[4]!;
    await cluster.createBarePod(scenario.namespace, 'nightly-backup', { nodeName: e, labels: { [BLOCKING_LABEL]: 'true' } });
    scenario.host(e).requireReboot();
    await cluster.waitFor(
      async () =>
        (await scenario.controller.status()).nodes.some(
          (n) => n.name === e && n.phase === 'waiting' && n.reason.includes('nightly-backup'),
        ),
      { timeoutMs: 60_000, what: `${e} waiting on the blocking pod` },
    );
    assert.notEqual((await cluster.core.readNode({ name: e })).spec?.unschedulable, true);

    await cluster.core.deleteNamespacedPod({ namespace: scenario.namespace, name: 'nightly-backup' });
    await scenario.waitRebooted([e]);
    assert.ok(
      scenario.messages().some((m) => m.includes(e) && m.includes('nightly-backup')),
      'the chat said why the node waited',
    );
  });
});
