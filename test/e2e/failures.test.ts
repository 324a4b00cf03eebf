// When things go wrong, end to end: a node that never comes back halts the rollout (the next node
// is not touched) and the chat says so; a remediation alert, routed by the real Alertmanager, for
// the node that halted reboots it while the halt stays (issue 24); a controller killed with SIGKILL in the middle of a drain
// is replaced and the rollout still completes — each node rebooted exactly once, uncordoned, never
// two in flight, and the chat's messages still in order without repeats.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MERGE_PATCH } from '../../src/kube/patch.ts';
import { startCluster, type Cluster } from '../harness/cluster.ts';
import { waitForCycles } from '../harness/controller/decision-cycles.ts';
import { printOnFailure } from '../harness/on-failure.ts';
import { assertOneAtATime, expectedMessages, lifecycleMessages, startedAt } from '../harness/scenario/rollout-checks.ts';
import { startScenario, type Scenario } from '../harness/scenario/scenario.ts';

let cluster: Cluster;
const scenarios: Scenario[] = [];

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  for (const s of scenarios) await s.stop();
  await cluster?.stop();
});

describe('failures, end to end', () => {
  it('a node that never returns halts the rollout and the chat says so', async (t) => {
    const s = await startScenario(cluster, { nodes: 3, controllerArgs: ['--reboot-timeout=15s'] });
    scenarios.push(s);
    t.after(() => printOnFailure(t, () => s.report()));
    const [lost, next] = s.nodes;
    s.host(lost!).neverReturn();
    s.host(lost!).requireReboot();
    await cluster.waitFor(() => startedAt(s, lost!) < Infinity, { timeoutMs: 60_000, what: `${lost} started first` });
    s.host(next!).requireReboot();

    // The halt is kept on the lock DaemonSet just before the node's failure is written (so it
    // outlives the node): for a moment the status may show the halt with the node still rebooting.
    const status = await cluster.waitFor(
      async () => {
        const current = await s.controller.status();
        return current.halted && current.nodes.find((n) => n.name === lost)?.phase === 'failed' ? current : undefined;
      },
      { timeoutMs: 90_000, what: 'the rollout halted, its node failed' },
    );
    assert.equal(status.halted?.node, lost);
    assert.equal(status.nodes.find((n) => n.name === lost)?.phase, 'failed');
    await cluster.waitFor(() => s.messages().some((m) => m.startsWith(`Reboot rollout halted at node ${lost}`)), {
      what: 'the halt message',
    });
    assert.ok(
      s.messages().some((m) => m.startsWith(`Node ${lost} did not come back`)),
      s.messages().join('\n'),
    );
    // The next node is requested but not touched while the rollout is halted.
    await cluster.waitFor(async () => (await s.controller.status()).nodes.some((n) => n.name === next && n.request !== undefined), {
      timeoutMs: 30_000,
      what: `${next} requested`,
    });
    // The held node is re-checked every --gate-recheck-period (2 s here): three cycles decide on it.
    await waitForCycles(s.controller, 3, { what: `to start ${next} during a halted rollout` });
    assert.equal(startedAt(s, next!), Infinity, `${next} started during a halted rollout`);
    assert.equal(s.host(next!).reboots, 0);
    assert.notEqual((await cluster.core.readNode({ name: next! })).spec?.unschedulable, true);
  });

  it('a remediation alert routed by Alertmanager reboots the node that halted the rollout; the halt stays for the rest', async (t) => {
    const s = await startScenario(cluster, { nodes: 3, controllerArgs: ['--reboot-timeout=15s'], remediationAlerts: ['E2ENodeHung'] });
    scenarios.push(s);
    t.after(() => printOnFailure(t, () => s.report()));
    const [stuck, next] = s.nodes;
    // The reboot command "succeeds" and does nothing: the node stays up, Ready, under the same boot.
    s.host(stuck!).ignoreNextReboot();
    s.host(stuck!).requireReboot();
    await cluster.waitFor(() => startedAt(s, stuck!) < Infinity, { timeoutMs: 60_000, what: `${stuck} started first` });
    s.host(next!).requireReboot();
    const halted = await cluster.waitFor(
      async () => {
        const current = await s.controller.status();
        return current.halted?.node === stuck && current.nodes.find((n) => n.name === stuck)?.phase === 'failed' ? current : undefined;
      },
      { timeoutMs: 90_000, what: 'the rollout halted at the node that did not reboot' },
    );
    assert.match(halted.halted!.reason, /Ready under the same boot/);
    assert.equal(s.host(stuck!).reboots, 1);

    // The alert reaches Alertmanager as any alert source posts it; Alertmanager's route (the
    // shipped file, with the alert added to its matcher) delivers it to the controller's webhook.
    const now = Date.now();
    const posted = await fetch(`${s.monitoring.alertmanagerUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([
        {
          labels: { alertname: 'E2ENodeHung', node: stuck },
          startsAt: new Date(now).toISOString(),
          endsAt: new Date(now + 10 * 60_000).toISOString(),
          generatorURL: 'http://e2e.invalid/node-hung',
        },
      ]),
    });
    assert.equal(posted.status, 200);
    await s.waitRebooted([stuck!], 120_000);
    assert.equal(s.host(stuck!).reboots, 2, 'the alert rebooted the halted node once');
    const after = await s.controller.status();
    assert.equal(after.halted?.node, stuck, 'the halt stays until an operator resumes');
    // Nothing else starts meanwhile: the held node is looked at again every --gate-recheck-period.
    await waitForCycles(s.controller, 3, { what: `to start ${next} while the rollout is halted` });
    assert.equal(startedAt(s, next!), Infinity, `${next} started during a halted rollout`);
    assert.equal(s.host(next!).reboots, 0);

    assert.equal((await s.controller.post('/api/v1/resume')).status, 200);
    await s.waitRebooted([next!], 120_000);
    assert.deepEqual(assertOneAtATime(s, [stuck!, next!]), [stuck, next]);
  });

  it('a controller killed mid-drain is replaced and the rollout completes correctly', async (t) => {
    // Without the workload gate, which would hold the first node before its drain while the budget
    // allows nothing: the kill must land mid-drain.
    const s = await startScenario(cluster, { nodes: 3, controllerArgs: ['--workload-gate=false'] });
    scenarios.push(s);
    t.after(() => printOnFailure(t, () => s.report()));
    const [first, second] = s.nodes;
    // A budget nothing may break holds the first node's drain until the test relaxes it.
    await cluster.createDeployment(s.namespace, 'ledger', {
      replicas: 2,
      labels: { app: 'ledger' },
      nodeSelector: { 'kubernetes.io/hostname': first! },
    });
    await cluster.createPdb(s.namespace, 'ledger', { selector: { app: 'ledger' }, minAvailable: 2 });
    s.host(first!).requireReboot();
    await cluster.waitFor(async () => (await s.state(first!))?.phase === 'draining', { timeoutMs: 60_000, what: `${first} draining` });
    s.host(second!).requireReboot();
    await cluster.waitFor(async () => (await s.controller.status()).nodes.some((n) => n.name === second && n.request !== undefined), {
      timeoutMs: 30_000,
      what: `${second} requested`,
    });

    await s.controller.kill();
    t.diagnostic(`controller killed with ${first} in ${(await s.state(first!))?.phase}`);
    // Let the evictions through: ledger's pods may now leave one at a time for the other nodes.
    await cluster.policy.patchNamespacedPodDisruptionBudget(
      { namespace: s.namespace, name: 'ledger', body: { spec: { minAvailable: 1 } } },
      MERGE_PATCH,
    );
    await cluster.apps.patchNamespacedDeployment(
      {
        namespace: s.namespace,
        name: 'ledger',
        body: {
          spec: {
            template: {
              spec: {
                nodeSelector: { 'kubernetes.io/hostname': null, 'kreboot.dev/e2e': s.namespace } as unknown as Record<string, string>,
              },
            },
          },
        },
      },
      MERGE_PATCH,
    );
    await s.controller.start();

    await s.waitRebooted([first!, second!], 180_000);
    await cluster.waitFor(() => [first!, second!].every((node) => s.progress.firstAt(node, 'done')), {
      what: 'the status API to show both done',
    });
    const order = assertOneAtATime(s, [first!, second!]);
    assert.deepEqual(order, [first, second]);
    for (const node of [first!, second!]) assert.equal(s.host(node).reboots, 1, `${node} rebooted exactly once`);
    await cluster.waitFor(() => lifecycleMessages(s).length >= 6, { what: 'six lifecycle messages' });
    assert.deepEqual(lifecycleMessages(s), expectedMessages(order));
    const lock = (await cluster.apps.readNamespacedDaemonSet({ namespace: s.namespace, name: 'kreboot-agent' })).metadata?.annotations?.[
      'weave.works/kured-node-lock'
    ];
    assert.doesNotMatch(lock ?? '', new RegExp(`${first}|${second}`), 'the slot was released');
  });
});
