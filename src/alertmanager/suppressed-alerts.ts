// Which of Prometheus's ALERTS samples Alertmanager currently silences or inhibits, for the alert
// gate's --alert-ignore-silenced (kured #499: an alert the operator silenced should not hold
// reboots back). One Alertmanager query per gate evaluation.
//
// An ALERTS sample carries the alert's labels plus alertstate; Alertmanager's copy carries the same
// labels plus Prometheus' external labels (and any alert relabelling). So a sample matches an
// Alertmanager alert whose labels include all of the sample's. It is ignored only when at least
// one alert matches and every match is suppressed: a pending alert (never sent to Alertmanager), an
// alert Alertmanager has not processed yet, or one of two HA copies left unsilenced still blocks.

import type { AlertmanagerClient, AlertmanagerAlert } from './alertmanager-client.ts';

/** Prometheus's own labels on ALERTS samples, which Alertmanager's copy does not carry. */
const SAMPLE_ONLY = new Set(['__name__', 'alertstate']);

export type SuppressionCheck = (labels: Readonly<Record<string, string>>) => boolean;

function matches(sample: Readonly<Record<string, string>>, alert: AlertmanagerAlert): boolean {
  return Object.entries(sample).every(([name, value]) => SAMPLE_ONLY.has(name) || alert.labels[name] === value);
}

export function suppressionCheck(alerts: readonly AlertmanagerAlert[]): SuppressionCheck {
  const byName = new Map<string, AlertmanagerAlert[]>();
  for (const alert of alerts) {
    const name = alert.labels.alertname ?? '';
    byName.set(name, [...(byName.get(name) ?? []), alert]);
  }
  return (labels) => {
    const candidates = (byName.get(labels.alertname ?? '') ?? []).filter((alert) => matches(labels, alert));
    return candidates.length > 0 && candidates.every((alert) => alert.state === 'suppressed');
  };
}

/** Reads every active alert (suppressed or not) once; throws when Alertmanager cannot answer. */
export async function loadSuppressionCheck(client: AlertmanagerClient): Promise<SuppressionCheck> {
  const alerts = await client.alerts({ active: true, silenced: true, inhibited: true, unprocessed: true });
  return suppressionCheck(alerts);
}
