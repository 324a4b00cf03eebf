// What a valid payload asks for, decided before the store is touched: per node, request (a firing
// reboot or remediation alert) or withdraw (a resolved reboot alert), and the alerts ignored with
// a reason. Pure, so the rules are table-tested without HTTP.

import type { AlertPayload } from './alert-payload.ts';
import { nodeFromLabels } from '../alerts/node-from-labels.ts';
import { isNodeName, shownName } from './node-name.ts';

export interface IntakeRules {
  readonly rebootAlert: RegExp | undefined;
  readonly remediationAlert: RegExp | undefined;
  readonly alertNodeLabels: readonly string[];
}

export interface IgnoredAlert {
  readonly alertname: string;
  readonly node?: string;
  readonly reason: string;
}

export interface PlannedAction {
  readonly node: string;
  readonly action: 'request' | 'withdraw';
  readonly kind: 'alert' | 'remediation';
  readonly alertname: string;
  readonly fingerprint?: string;
  readonly startsAt?: string;
}

export const REASONS = {
  notReboot: 'not a reboot alert',
  noNode: 'no node label',
  unknownNode: 'unknown node (no such Node, or not selected by --node-selector)',
  notNodeName: 'not a node name (Kubernetes names Nodes with lowercase DNS subdomains of at most 253 characters)',
  resolvedRemediation: 'resolved remediation alert (nothing to withdraw)',
  notPending: 'no pending request to withdraw (absent or already started)',
} as const;

function matches(re: RegExp | undefined, name: string): boolean {
  if (!re) return false;
  re.lastIndex = 0; // a /g or /y flag would make test() stateful
  return re.test(name);
}

export interface Plan {
  readonly actions: PlannedAction[];
  readonly ignored: IgnoredAlert[];
  /** Distinct node label values of reboot and remediation alerts, names or not (the webhook caps it). */
  readonly distinctNodes: number;
}

export function planAlerts(payload: AlertPayload, rules: IntakeRules): Plan {
  const requests = new Map<string, PlannedAction>();
  const withdrawals = new Map<string, PlannedAction>();
  const named = new Set<string>();
  const ignored: IgnoredAlert[] = [];
  for (const alert of payload.alerts) {
    // Echoed in the reply: a huge name is shortened there (the rules below see it whole).
    const fullName = Object.hasOwn(alert.labels, 'alertname') ? (alert.labels.alertname ?? '') : '';
    const alertname = shownName(fullName);
    const isReboot = matches(rules.rebootAlert, fullName);
    const isRemediation = !isReboot && matches(rules.remediationAlert, fullName);
    if (!isReboot && !isRemediation) {
      ignored.push({ alertname, reason: REASONS.notReboot });
      continue;
    }
    const node = nodeFromLabels(alert.labels, rules.alertNodeLabels);
    if (node === undefined) {
      ignored.push({ alertname, reason: REASONS.noNode });
      continue;
    }
    named.add(node);
    if (!isNodeName(node)) {
      ignored.push({ alertname, node: shownName(node), reason: REASONS.notNodeName });
      continue;
    }
    const fingerprint = alert.fingerprint;
    if (alert.status === 'firing') {
      const startsAt = alert.startsAt;
      if (!requests.has(node))
        requests.set(node, {
          node,
          action: 'request',
          kind: isReboot ? 'alert' : 'remediation',
          alertname,
          fingerprint,
          ...(startsAt ? { startsAt } : {}),
        });
    } else if (isReboot) {
      if (!withdrawals.has(node)) withdrawals.set(node, { node, action: 'withdraw', kind: 'alert', alertname, fingerprint });
    } else {
      ignored.push({ alertname, node, reason: REASONS.resolvedRemediation });
    }
  }
  // A node with any firing request alert in this payload is not withdrawn by another resolved one:
  // the request is still wanted.
  for (const node of requests.keys()) withdrawals.delete(node);
  return { actions: [...requests.values(), ...withdrawals.values()], ignored, distinctNodes: named.size };
}
