import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAlertPayload } from '../../../src/intake/alert-payload.ts';
import { planAlerts, REASONS } from '../../../src/intake/plan-alerts.ts';

const rules = { rebootAlert: /^RebootRequired$/, remediationAlert: /^(NodeHung|KernelDeadlock)$/, alertNodeLabels: ['node', 'instance'] };

function payload(alerts: { status: 'firing' | 'resolved'; labels: Record<string, string>; fingerprint?: string }[]) {
  const parsed = parseAlertPayload({ version: '4', status: 'firing', alerts });
  assert.ok(parsed.ok);
  return parsed.value;
}

test('firing reboot alerts request, resolved ones withdraw, others are ignored with a reason', () => {
  const plan = planAlerts(
    payload([
      { status: 'firing', labels: { alertname: 'RebootRequired', node: 'n1' }, fingerprint: 'f1' },
      { status: 'firing', labels: { alertname: 'RebootRequired', instance: 'n2:9100' } },
      { status: 'resolved', labels: { alertname: 'RebootRequired', node: 'n3' } },
      { status: 'firing', labels: { alertname: 'HighLoad', node: 'n4' } },
      { status: 'firing', labels: { alertname: 'RebootRequired', job: 'agent' } },
      { status: 'firing', labels: { alertname: 'NodeHung', node: 'n5' } },
      { status: 'resolved', labels: { alertname: 'NodeHung', node: 'n6' } },
      { status: 'firing', labels: { node: 'n7' } },
    ]),
    rules,
  );
  assert.deepEqual(plan.actions, [
    { node: 'n1', action: 'request', kind: 'alert', alertname: 'RebootRequired', fingerprint: 'f1' },
    { node: 'n2', action: 'request', kind: 'alert', alertname: 'RebootRequired', fingerprint: undefined },
    { node: 'n5', action: 'request', kind: 'remediation', alertname: 'NodeHung', fingerprint: undefined },
    { node: 'n3', action: 'withdraw', kind: 'alert', alertname: 'RebootRequired', fingerprint: undefined },
  ]);
  assert.deepEqual(plan.ignored, [
    { alertname: 'HighLoad', reason: REASONS.notReboot },
    { alertname: 'RebootRequired', reason: REASONS.noNode },
    { alertname: 'NodeHung', node: 'n6', reason: REASONS.resolvedRemediation },
    { alertname: '', reason: REASONS.notReboot },
  ]);
});

test('duplicates collapse and a firing alert wins over a resolved one for the same node', () => {
  const plan = planAlerts(
    payload([
      { status: 'firing', labels: { alertname: 'RebootRequired', node: 'n1' } },
      { status: 'firing', labels: { alertname: 'RebootRequired', node: 'n1' } },
      { status: 'resolved', labels: { alertname: 'RebootRequired', node: 'n1', instance: 'x' } },
      { status: 'resolved', labels: { alertname: 'RebootRequired', node: 'n2' } },
      { status: 'resolved', labels: { alertname: 'RebootRequired', node: 'n2' } },
    ]),
    rules,
  );
  assert.deepEqual(
    plan.actions.map((a) => `${a.action}:${a.node}`),
    ['request:n1', 'withdraw:n2'],
  );
});

test('no remediation regexp means remediation is off', () => {
  const plan = planAlerts(payload([{ status: 'firing', labels: { alertname: 'NodeHung', node: 'n1' } }]), {
    ...rules,
    remediationAlert: undefined,
  });
  assert.deepEqual(plan.actions, []);
  assert.equal(plan.ignored[0]?.reason, REASONS.notReboot);
});

test('a node label that is not a node name is ignored with that reason, shortened, and counted', () => {
  const odd = ['.', '..', '%2F', '%E0%A4%A', 'nœud', 'Node1', 'z'.repeat(600_000)];
  const plan = planAlerts(
    payload([...odd, 'n1'].map((node) => ({ status: 'firing' as const, labels: { alertname: 'RebootRequired', node } }))),
    rules,
  );
  assert.deepEqual(
    plan.actions.map((a) => a.node),
    ['n1'],
  );
  assert.equal(plan.ignored.length, odd.length);
  for (const ignored of plan.ignored) assert.equal(ignored.reason, REASONS.notNodeName);
  assert.ok(plan.ignored.every((i) => (i.node ?? '').length < 120));
  assert.equal(plan.distinctNodes, odd.length + 1);
});

test('distinctNodes counts the names of reboot and remediation alerts only, once each', () => {
  const plan = planAlerts(
    payload([
      { status: 'firing', labels: { alertname: 'RebootRequired', node: 'n1' } },
      { status: 'resolved', labels: { alertname: 'RebootRequired', node: 'n1' } },
      { status: 'firing', labels: { alertname: 'NodeHung', node: 'n2' } },
      { status: 'firing', labels: { alertname: 'HighLoad', node: 'n3' } },
    ]),
    rules,
  );
  assert.equal(plan.distinctNodes, 2);
});
