// Carries a validated plan to the request store, a few nodes at a time (each call is an API write),
// and sums up the answers for the webhook's reply. An API error propagates: the caller answers 503.

import { REASONS, type IgnoredAlert, type PlannedAction } from './plan-alerts.ts';
import type { RequestSink } from './request-sink.ts';

export interface IntakeSummary {
  readonly accepted: string[];
  readonly withdrawn: string[];
  readonly ignored: IgnoredAlert[];
  /** Alerts Alertmanager cut with max_alerts: their nodes are not seen here. */
  readonly truncatedAlerts?: number;
}

const PARALLEL = 8;

export async function applyPlan(plan: { actions: readonly PlannedAction[]; ignored: readonly IgnoredAlert[] }, sink: RequestSink): Promise<IntakeSummary> {
  const accepted: string[] = [];
  const withdrawn: string[] = [];
  const ignored: IgnoredAlert[] = [...plan.ignored];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < plan.actions.length) {
      const action = plan.actions[next++]!;
      const source = { alertname: action.alertname, ...(action.fingerprint === undefined ? {} : { fingerprint: action.fingerprint }) };
      if (action.action === 'request') {
        const result = await sink.request(action.node, { kind: action.kind, ...source, ...(action.startsAt ? { startsAt: action.startsAt } : {}) });
        if (result === 'accepted') accepted.push(action.node);
        else ignored.push({ alertname: action.alertname, node: action.node, reason: result === 'unknown-node' ? REASONS.unknownNode : result.ignored });
      } else {
        const result = await sink.withdraw(action.node, { kind: 'alert', ...source });
        if (result === 'withdrawn') withdrawn.push(action.node);
        else ignored.push({ alertname: action.alertname, node: action.node, reason: result === 'unknown-node' ? REASONS.unknownNode : REASONS.notPending });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, plan.actions.length) }, worker));
  accepted.sort();
  withdrawn.sort();
  return { accepted, withdrawn, ignored };
}
