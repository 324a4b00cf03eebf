// Matching Prometheus ALERTS samples to Alertmanager's alerts for --alert-ignore-silenced (table).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertmanagerAlert } from '../../../src/alertmanager/alertmanager-client.ts';
import { suppressionCheck } from '../../../src/alertmanager/suppressed-alerts.ts';

const alert = (labels: Record<string, string>, state: string): AlertmanagerAlert => ({
  labels,
  state,
  silencedBy: state === 'suppressed' ? ['s1'] : [],
  inhibitedBy: [],
});
const sample = (labels: Record<string, string>) => ({ __name__: 'ALERTS', alertstate: 'firing', ...labels });

test('a sample is ignored only when every Alertmanager copy of it is suppressed', () => {
  const check = suppressionCheck([
    alert({ alertname: 'HighLoad', node: 'n1', cluster: 'prod' }, 'suppressed'), // + an external label
    alert({ alertname: 'HighLoad', node: 'n2' }, 'active'),
    alert({ alertname: 'DiskFull', node: 'n1', replica: 'a' }, 'suppressed'), // HA pair: one copy silenced
    alert({ alertname: 'DiskFull', node: 'n1', replica: 'b' }, 'active'),
    alert({ alertname: 'Fresh', node: 'n1' }, 'unprocessed'),
  ]);
  const table: Array<[Record<string, string>, boolean, string]> = [
    [sample({ alertname: 'HighLoad', node: 'n1' }), true, 'silenced; Alertmanager adds an external label'],
    [sample({ alertname: 'HighLoad', node: 'n2' }), false, 'the same alert for another node is not silenced'],
    [sample({ alertname: 'HighLoad', node: 'n1', severity: 'page' }), false, 'a label Alertmanager does not have: another alert'],
    [sample({ alertname: 'DiskFull', node: 'n1' }), false, 'one HA copy still active'],
    [sample({ alertname: 'Fresh', node: 'n1' }), false, 'not processed yet'],
    [sample({ alertname: 'Pending', node: 'n1' }), false, 'unknown to Alertmanager (pending alerts are never sent)'],
    [{ ...sample({ alertname: 'HighLoad', node: 'n1' }), alertstate: 'pending' }, true, "alertstate is Prometheus' own label"],
  ];
  for (const [labels, want, why] of table) assert.equal(check(labels), want, why);
});
