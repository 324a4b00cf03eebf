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
//
// A write still queued for a node takes a repeat of itself (the same intent: a request of the same
// kind and alert episode, or a withdrawal): both webhooks share its outcome. Alertmanager re-sends
// every firing alert, several routes can carry the same one, and a queue of copies held tens of MiB
// (issue 26, item 11). Only the node's last queued write is merged into, so a request, a withdrawal
// and a request again stay three writes in that order: merging never reorders intents.

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
  /** How many writes these actions would add to the backlog (a repeat of a queued write adds none). */
  newWrites(actions: readonly PlannedAction[]): number;
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
  /** Writes not started yet, first come first served. */
  const waiting: QueuedWrite[] = [];
  /** Each node's last write not started yet: the one a repeat merges into. */
  const lastQueued = new Map<string, QueuedWrite>();
  let running = 0;
  let backlog = 0;

  function pump(): void {
    while (running < parallel && waiting.length > 0) {
      const write = waiting.shift()!;
      if (lastQueued.get(write.action.node) === write) lastQueued.delete(write.action.node);
      running++;
      perform(write.action)
        .then(write.resolve, write.reject)
        .finally(() => {
          running--;
          backlog--;
          pump();
        });
    }
  }

  /** Queues the action's write, or joins the same write already queued for its node. */
  function queued(action: PlannedAction): Promise<Outcome> {
    const key = intentOf(action);
    const last = lastQueued.get(action.node);
    if (last?.key === key) return last.outcome;
    let resolve!: (outcome: Outcome) => void;
    let reject!: (error: unknown) => void;
    const outcome = new Promise<Outcome>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    const write: QueuedWrite = { action, key, outcome, resolve, reject };
    lastQueued.set(action.node, write);
    waiting.push(write);
    backlog++;
    pump();
    return outcome;
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
    newWrites(actions) {
      let added = 0;
      for (const action of actions) if (lastQueued.get(action.node)?.key !== intentOf(action)) added++;
      return added;
    },
    async apply(plan) {
      const summary = { accepted: [] as string[], withdrawn: [] as string[], ignored: [...plan.ignored] };
      let answered = false;
      let lateFailures = 0;
      const writes = plan.actions.map(async (action) => {
        try {
          const outcome = await queued(action);
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

interface QueuedWrite {
  readonly action: PlannedAction;
  readonly key: string;
  readonly outcome: Promise<Outcome>;
  readonly resolve: (outcome: Outcome) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * What a write does, for merging repeats. An alert request records the first one whatever its
 * alert (the store keeps the oldest); a remediation request is refused or taken per alert episode,
 * so its episode is part of it; a withdrawal removes whatever alert request there is.
 */
function intentOf(action: PlannedAction): string {
  if (action.action === 'withdraw') return 'withdraw';
  if (action.kind === 'alert') return 'request alert';
  return `request remediation ${action.alertname} ${action.fingerprint ?? ''} ${action.startsAt ?? ''}`;
}

function ignoredBecause(action: PlannedAction, reason: string): Outcome {
  return { list: 'ignored', ignored: { alertname: action.alertname, node: action.node, reason } };
}
