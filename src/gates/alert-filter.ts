// Which of Prometheus's ALERTS samples block reboots. kured's rules (pkg/alerts), exactly: a sample
// counts when it has an alertname and a non-zero value; --alert-filter-regexp names alerts to
// ignore, --alert-filter-match-only turns it into the list of alerts that block; --alert-firing-only
// ignores pending alerts. An empty regexp is "no filter" (every alert blocks) — never a regexp that
// matches everything and so silently disables the gate, as in kured.
// Beyond kured: --alert-filter-labels matchers (all must match), and the alerts that REQUEST
// reboots (RebootRequired, remediation alerts) never block: otherwise a node's own reboot request
// would hold its reboot back.
// kreboot's own health alerts (KREBOOT_HEALTH_ALERTS) never block either (issue 26): they report on
// kreboot, not on the cluster's health, and carry no node label (or name a node that is gone), so
// counted they blocked every node — a failed node or a dropped chat message stopped the rollout,
// which the halt already does where it should. A --alert-filter-match-only regexp that names one
// makes it block again: that list is the operator's exact choice of blockers.

import type { Sample } from '../prometheus/prometheus-client.ts';
import type { LabelMatcher } from './label-matchers.ts';

export interface AlertFilterRules {
  readonly filter: RegExp | undefined;
  readonly matchOnly: boolean;
  readonly firingOnly: boolean;
  readonly matchers: readonly LabelMatcher[];
  /** Alert names that request reboots, never counted as blockers. */
  readonly requestAlerts: readonly RegExp[];
}

/**
 * The alerts of alertmanager/rules.yaml's kreboot-health group (test/unit/gates checks the list
 * against the file). A halt is enforced by the controller itself; the others say a node failed, a
 * message was dropped, or an agent stopped reporting: none is a reason to hold other nodes back.
 */
export const KREBOOT_HEALTH_ALERTS: ReadonlySet<string> = new Set([
  'KrebootRolloutHalted',
  'KrebootNodeFailed',
  'KrebootNotificationsDropped',
  'KrebootAgentNotReporting',
  'KrebootNoLeader',
  // Names the node that waits: counted, it would hold that node (or, with --alert-scope=cluster,
  // every node) back from the very reboot it asks for.
  'KrebootRebootPending',
]);

function test(re: RegExp, text: string): boolean {
  re.lastIndex = 0;
  return re.test(text);
}

export function isBlockingAlert(sample: Sample, rules: AlertFilterRules): boolean {
  const labels = sample.metric;
  const name = Object.hasOwn(labels, 'alertname') ? labels.alertname : undefined;
  if (name === undefined || sample.value === 0) return false;
  if (rules.filter && test(rules.filter, name) !== rules.matchOnly) return false;
  if (rules.firingOnly && labels.alertstate !== 'firing') return false;
  if (rules.requestAlerts.some((re) => test(re, name))) return false;
  // Opt back in only by naming them in a match-only list: that list says exactly what blocks.
  if (KREBOOT_HEALTH_ALERTS.has(name) && !(rules.filter && rules.matchOnly)) return false;
  return rules.matchers.every((m) => m.matches(labels));
}
