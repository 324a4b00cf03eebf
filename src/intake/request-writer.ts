// The webhook's request writer: carries the actions of a validated payload (plan-alerts.ts) to the
// request recorder, which writes each on its Node, and sums up the outcomes for the answer.
//
// Writes go out in passes (issue 25): the writes that arrive within one short window (the webhooks
// read in the same turn of the event loop) are started together, up to `parallel` in flight across
// all webhooks, first come first served, so a burst never crowds out the reconciler's own writes
// and the first node asked for is recorded (and can start) first. Each webhook waits for its own
// nodes' writes only, not for the pass: a slow write holds its webhook, never the others.
//
// "200 means recorded". A webhook naming a few nodes (the shipped route sends one per node) is
// answered once each of its writes is on the Node: a 200 lists them as accepted or withdrawn. If
// they are not written within `recordWithinMs` (an API server that does not answer), the webhook
// is answered 503 and Alertmanager sends it again; the write goes on, and recording is idempotent.
// A payload naming many nodes (a route grouped by alertname: 5,000 writes take tens of seconds)
// waits at most `answerWithinMs`, then lists what is not yet written as `queued` — said in the
// answer, never as accepted — while its writes go on; a write that fails after the answer is
// logged, and Alertmanager's next send records it. An API error before the answer: 503.
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

export interface RequestWriter {
  apply(plan: { actions: readonly PlannedAction[]; ignored: readonly IgnoredAlert[] }): Promise<IntakeSummary>;
  /** Writes queued or in flight. */
  backlog(): number;
  /** How many writes these actions would add to the backlog (a repeat of a queued write adds none). */
  newWrites(actions: readonly PlannedAction[]): number;
}

export interface RequestWriterOptions {
  readonly sink: RequestSink;
  readonly log: Logger;
  /** Writes in flight at once, across all webhooks. */
  readonly parallel?: number;
  /** A webhook naming at most this many nodes is answered only once they are written. */
  readonly recordedUpTo?: number;
  /** How long such a webhook waits for its writes before it is answered 503 (they go on). */
  readonly recordWithinMs?: number;
  /** How long a larger webhook waits for its writes before answering with the rest queued. */
  readonly answerWithinMs?: number;
  /** Called with the outcomes of writes finished after their webhook was answered. */
  readonly onLateOutcome?: (list: Outcome['list']) => void;
}

/**
 * Writes in flight at once. Each is one Node patch; the shipped route's 50 webhooks in flight were
 * answered at the pace of 8 writes at a time (62 a second at 5,000 nodes, most answers "queued").
 */
export const DEFAULT_WRITES_IN_FLIGHT = 32;
const DEFAULT_RECORDED_UP_TO = 50;
const DEFAULT_RECORD_WITHIN_MS = 10_000;
const DEFAULT_ANSWER_WITHIN_MS = 500;

/** A webhook answered 503 because its writes were not on the Nodes in time (they go on). */
export class NotRecordedInTime extends Error {}

export function createRequestWriter(options: RequestWriterOptions): RequestWriter {
  const { sink, log } = options;
  const parallel = options.parallel ?? DEFAULT_WRITES_IN_FLIGHT;
  const recordedUpTo = options.recordedUpTo ?? DEFAULT_RECORDED_UP_TO;
  const recordWithinMs = options.recordWithinMs ?? DEFAULT_RECORD_WITHIN_MS;
  const answerWithinMs = options.answerWithinMs ?? DEFAULT_ANSWER_WITHIN_MS;
  /** Writes not started yet, first come first served. */
  const waiting: QueuedWrite[] = [];
  /** Each node's last write not started yet: the one a repeat merges into. */
  const lastQueued = new Map<string, QueuedWrite>();
  let running = 0;
  let backlog = 0;
  let passScheduled = false;

  /** Gathers the writes of this turn of the event loop into one pass. */
  function schedulePass(): void {
    if (passScheduled || waiting.length === 0 || running >= parallel) return;
    passScheduled = true;
    setImmediate(pass);
  }

  /** Starts every waiting write there is room for. */
  function pass(): void {
    passScheduled = false;
    const batch = waiting.splice(0, parallel - running);
    running += batch.length;
    for (const write of batch) {
      if (lastQueued.get(write.action.node) === write) lastQueued.delete(write.action.node);
      perform(write.action)
        .then(write.resolve, write.reject)
        .finally(() => {
          running--;
          backlog--;
          schedulePass();
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
    schedulePass();
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
      const mustRecord = new Set(plan.actions.map((action) => action.node)).size <= recordedUpTo;
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
      const budget = new Promise<'late'>(
        (resolve) => (timer = setTimeout(() => resolve('late'), mustRecord ? recordWithinMs : answerWithinMs)),
      );
      try {
        const finished = await Promise.race([Promise.all(writes).then(() => 'done' as const), budget]);
        answered = true;
        if (finished === 'late') {
          const late = pending.size;
          void Promise.allSettled(writes).then(() =>
            log.info({ nodes: late, failed: lateFailures }, 'webhook writes finished after the answer'),
          );
          if (mustRecord)
            throw new NotRecordedInTime(`${late} of the requests not written within ${recordWithinMs} ms (still being written); try again`);
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
