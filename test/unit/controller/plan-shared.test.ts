// GET /api/v1/plan's computation is shared (issue 26, item 9): concurrent and recent callers get
// one forecast, so the gates (a Prometheus query, a cluster-wide pod list) are asked once, not once
// per caller; a change the controller hears of starts a new one; and the gates' verdicts of the
// decision cycle that just ran are used rather than asked again. A counted fake gate stands for
// Prometheus; the view is a fixed set of Nodes.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import type { Gate } from '../../../src/gates/gate.ts';
import { reconcilerOver } from '../../harness/reconciler-over.ts';
import { CONTROLLER } from '../../../src/store/keys.ts';
import { NOW, ago } from './fixtures.ts';

function pendingNode(name: string): V1Node {
  return {
    metadata: {
      name,
      resourceVersion: '1',
      labels: {},
      annotations: { [CONTROLLER.request]: JSON.stringify({ at: ago(60), kind: 'alert' }) },
    },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function setup(nodes: number) {
  let evaluations = 0;
  const gate: Gate = {
    name: 'prometheus-alerts',
    async evaluate() {
      evaluations++;
      await new Promise((resolve) => setTimeout(resolve, 20));
      return () => ({ open: false, gate: 'prometheus-alerts', reason: '1 active alert: DiskFull' });
    },
  };
  const all = Array.from({ length: nodes }, (_, i) => pendingNode(`node-${i}`));
  const reconciler = reconcilerOver(() => all, { gates: [gate], clock: () => NOW });
  return { reconciler, evaluations: () => evaluations };
}

test('twenty concurrent plan requests ask the gates once, and share one answer', async () => {
  const { reconciler, evaluations } = setup(50);
  const plans = await Promise.all(Array.from({ length: 20 }, () => reconciler.forecast()));
  assert.equal(evaluations(), 1, 'one gate evaluation for 20 concurrent requests');
  assert.equal(plans[0]!.held.length, 50);
  assert.ok(plans.every((plan) => plan === plans[0]));
  // A recent answer is reused; a change the controller hears of (wake) makes the next one fresh.
  await reconciler.forecast();
  assert.equal(evaluations(), 1, 'a recent plan is reused');
  reconciler.wake('node changed');
  reconciler.stop();
  await reconciler.forecast();
  assert.equal(evaluations(), 2, 'a change starts a new plan');
});

test("the decision cycle's gate verdicts are used by the plan rather than asked again", async () => {
  const { reconciler, evaluations } = setup(5);
  reconciler.setActive(true);
  await reconciler.idle();
  assert.equal(evaluations(), 1, 'the cycle asked the gates');
  reconciler.stop();
  const plan = await reconciler.forecast();
  assert.equal(evaluations(), 1, "the plan used the cycle's verdicts");
  assert.deepEqual(
    plan.held.map((held) => held.reason),
    Array(5).fill('1 active alert: DiskFull'),
  );
});
