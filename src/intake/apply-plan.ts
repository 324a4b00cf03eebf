// Carries a validated plan to the request store and sums up the answers for the webhook's reply.
// Each action is an API write. The writes of every webhook share one queue, a few in flight, so a
// burst of webhooks never crowds out the reconciler's own writes, and the first node asked for is
// recorded (and can start) first.
//
// The webhook waits for its writes up to a budget, then answers with what is not yet written as
// `queued`: a payload naming 5,000 nodes is answered in well under a second while its writes go on
// (about 5,000 API writes take tens of seconds). Nothing is lost by answering early: a write that
// fails after the answer is logged, and Alertmanager sends every firing alert again at its
// repeat_interval; recording is idempotent. A one-node webhook is written well within the budget,
// so its answer still means "recorded". An API error before the answer propagates: 503.

import type { Logger } from 'pino';
import { REASONS, type IgnoredAlert, type PlannedAction } from './plan-alerts.ts';
import type { RequestSink } from './request-sink.ts';

interface IntakeSummary {
  readonly accepted: string[];
  readonly withdrawn: string[];
  readonly ignored: IgnoredAlert[];
  /** Nodes whose request or withdrawal was still being written when the answer went out. */
  readonly queued?: string[];
  /** Alerts Alertmanager cut with max_alerts: their nodes are not seen here. */
  readonly truncatedAlerts?: number;
}

type Outcome =
  { readonly list: 'accepted' | 'withdrawn'; readonly node: string } | { readonly list: 'ignored'; readonly ignored: IgnoredAlert };

export interface IntakeWriter {
  apply(plan: { actions: readonly PlannedAction[]; ignored: readonly IgnoredAlert[] }): Promise<IntakeSummary>;
  /** Writes queued or in flight. */
  backlog(): number;
}

export interface IntakeWriterOptions {
  readonly sink: RequestSink;
  readonly log: Logger;
  /** Writes in flight at once, across all webhooks. */
  readonly parallel?: number;
  /** How long a webhook waits for its writes before answering with the rest queued. */
  readonly answerWithinMs?: number;
  /** Called with the outcomes of writes finished after their webhook was answered. */
  readonly onLateOutcome?: (list: Outcome['list']) => void;
}

const DEFAULT_WRITES_IN_FLIGHT = 8;
const DEFAULT_ANSWER_WITHIN_MS = 500;

export function createIntakeWriter(options: IntakeWriterOptions): IntakeWriter {
  const { sink, log } = options;
  const parallel = options.parallel ?? DEFAULT_WRITES_IN_FLIGHT;
  const answerWithinMs = options.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS;
  const waiting: (() => void)[] = [];
  let running = 0;
  let backlog = 0;

  /** Runs `write` when a place in the shared queue is free (first come, first served). */
  async function queued<T>(write: () => Promise<T>): Promise<T> {
    backlog++;
    if (running >= parallel) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await write();
    } finally {
      running--;
      backlog--;
      waiting.shift()?.();
    }
  }

  async function perform(action: PlannedAction): Promise<Outcome> {
    const source = { alertname: action.alertname, ...(action.fingerprint === undefined ? {} : { fingerprint: action.fingerprint }) };
    if (action.action === 'request') {
      const result = await sink.request(action.node, {
        kind: action.kind,
        ...source,
        ...(action.startsAt ? { startsAt: action.startsAt } : {}),
      });
      if (result === 'accepted') return { list: 'accepted', node: action.node };
      return ignoredBecause(action, result === 'unknown-node' ? REASONS.unknownNode : result.ignored);
    }
    const result = await sink.withdraw(action.node, { kind: 'alert', ...source });
    if (result === 'withdrawn') return { list: 'withdrawn', node: action.node };
    return ignoredBecause(action, result === 'unknown-node' ? REASONS.unknownNode : REASONS.notPending);
  }

  return {
    backlog: () => backlog,
    async apply(plan) {
      const summary = { accepted: [] as string[], withdrawn: [] as string[], ignored: [...plan.ignored] };
      let answered = false;
      let lateFailures = 0;
      const writes = plan.actions.map(async (action) => {
        try {
          const outcome = await queued(() => perform(action));
          if (answered) options.onLateOutcome?.(outcome.list);
          else if (outcome.list === 'ignored') summary.ignored.push(outcome.ignored);
          else summary[outcome.list].push(outcome.node);
          return action.node;
        } catch (error) {
          if (!answered) throw error;
          lateFailures++;
          log.error(
            { err: error, node: action.node },
            "webhook request not recorded after the answer; Alertmanager's next send records it",
          );
          return action.node;
        }
      });
      const pending = new Set(plan.actions.map((action) => action.node));
      for (const write of writes)
        void write.then(
          (node) => pending.delete(node),
          () => undefined,
        );
      let timer: NodeJS.Timeout | undefined;
      const budget = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), answerWithinMs)));
      try {
        const finished = await Promise.race([Promise.all(writes).then(() => 'done' as const), budget]);
        answered = true;
        if (finished === 'late') {
          const late = pending.size;
          void Promise.allSettled(writes).then(() =>
            log.info({ nodes: late, failed: lateFailures }, 'webhook writes finished after the answer'),
          );
        }
      } finally {
        answered = true;
        clearTimeout(timer);
      }
      const queuedNodes = [...pending].sort();
      summary.accepted.sort();
      summary.withdrawn.sort();
      return { ...summary, ...(queuedNodes.length > 0 ? { queued: queuedNodes } : {}) };
    },
  };
}

function ignoredBecause(action: PlannedAction, reason: string): Outcome {
  return { list: 'ignored', ignored: { alertname: action.alertname, node: action.node, reason } };
}
