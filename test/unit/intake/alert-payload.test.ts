import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAlertPayload } from '../../../src/intake/alert-payload.ts';

const alert = {
  status: 'firing',
  labels: { alertname: 'RebootRequired', node: 'n1' },
  annotations: {},
  startsAt: '2026-11-26T10:00:00Z',
  endsAt: '0001-01-01T00:00:00Z',
  generatorURL: 'http://p',
  fingerprint: 'abc',
};
const good = {
  version: '4',
  groupKey: '{}:{}',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'kreboot',
  groupLabels: {},
  commonLabels: { alertname: 'RebootRequired' },
  commonAnnotations: {},
  externalURL: 'http://am',
  alerts: [alert],
};

test('a real Alertmanager payload parses, unknown fields pass through', () => {
  const result = parseAlertPayload({ ...good, somethingNew: { x: 1 } });
  assert.ok(result.ok);
  assert.equal(result.value.alerts[0]?.labels.node, 'n1');
});

test('schema mismatches name the field', () => {
  const table: [unknown, string][] = [
    [null, 'payload'],
    [[], 'payload'],
    ['text', 'payload'],
    [{ ...good, version: 4 }, 'version'],
    [{ alerts: [] }, 'version'],
    [{ ...good, alerts: undefined }, 'alerts'],
    [{ ...good, alerts: {} }, 'alerts'],
    [{ ...good, alerts: [{ ...alert, status: 'weird' }] }, 'alerts[0].status'],
    [{ ...good, alerts: [alert, { ...alert, labels: { node: 7 } }] }, 'alerts[1].labels.node'],
    [{ ...good, alerts: [{ ...alert, labels: { node: { deep: ['x'] } } }] }, 'alerts[0].labels.node'],
    [{ ...good, alerts: [{ ...alert, labels: undefined }] }, 'alerts[0].labels'],
    [{ ...good, alerts: [{ ...alert, fingerprint: 12 }] }, 'alerts[0].fingerprint'],
    [{ ...good, truncatedAlerts: -1 }, 'truncatedAlerts'],
    [{ ...good, commonLabels: 'x' }, 'commonLabels'],
  ];
  for (const [body, field] of table) {
    const result = parseAlertPayload(body);
    assert.equal(result.ok, false, JSON.stringify(body));
    if (!result.ok) assert.ok(result.error.startsWith(`${field}: `), `${result.error} should name ${field}`);
  }
});
