// What happens around a recorded transition: an Event on the Node, a chat notification for the
// steps people watch, the phase-duration metric and a log line. Called once per written progress
// record, so nothing repeats while the phase and reason stay the same.
//
// Events (ADR 0026): one for each step that changes the node's service or that a person may act
// on — cordoned, rebooting, done, failed, every wait (queued, blocked, a drain held by a budget or
// an error), every recovery step — and none for the two steps every reboot passes through on its
// way: the drain waiting for the pods it evicted to terminate, and the verification that begins
// when the node is back under a new boot. Those are in the record, the status, the log and the
// metrics; an Event each cost a request per node per reboot and told nothing the next one does not.

import type { V1Node } from '@kubernetes/client-node';
import type { Logger } from '../../log/logger.ts';
import type { NotificationKind, Notify } from '../../notify/event.ts';
import type { NodeProgress } from '../../store/node-progress.ts';
import { isTerminationWait } from '../steps/drain.ts';
import type { EventRecorder } from './events.ts';
import { kuredLogLines } from './kured-log-texts.ts';
import type { ControllerMetrics } from './metrics.ts';

export interface TransitionSinks {
  readonly log: Logger;
  readonly events: EventRecorder;
  readonly notify: Notify;
  readonly metrics: ControllerMetrics;
}

function notificationKind(before: NodeProgress | undefined, after: NodeProgress): NotificationKind | undefined {
  switch (after.phase) {
    // kured says "Draining node" as the drain begins: here that is the cordon, since a drain that
    // finishes in its first pass is never recorded as `draining`.
    case 'cordoned':
      return 'drain';
    case 'rebooting':
      return 'reboot';
    case 'done':
      return before?.phase === 'verifying' ? 'uncordon' : undefined;
    case 'waiting':
      return 'blocked';
    case 'failed':
      return before?.phase === 'draining' || before?.phase === 'cordoned' ? 'drain-failed' : 'reboot-failed';
    default:
      return undefined;
  }
}

/** A step every reboot takes on its way, announced without an Event (see the header). */
export function isRoutineStep(before: NodeProgress | undefined, after: NodeProgress): boolean {
  if (after.phase === 'draining') return isTerminationWait(after.reason);
  return after.phase === 'verifying' && before?.phase === 'rebooting';
}

export function announceTransition(sinks: TransitionSinks, node: V1Node, before: NodeProgress | undefined, after: NodeProgress): void {
  const name = node.metadata?.name ?? '';
  if (before && before.phase === after.phase && before.reason === after.reason) return;
  const durationMs = after.startedAt ? Date.parse(after.since) - Date.parse(after.startedAt) : undefined;
  if (before && before.phase !== after.phase) {
    const spentSeconds = (Date.parse(after.since) - Date.parse(before.since)) / 1000;
    if (Number.isFinite(spentSeconds) && spentSeconds >= 0) sinks.metrics.phaseDuration.observe({ phase: before.phase }, spentSeconds);
  }
  if (after.phase === 'done' && before?.phase === 'verifying') sinks.metrics.reboots.inc({ result: 'succeeded' });
  if (after.phase === 'failed') sinks.metrics.reboots.inc({ result: 'failed' });
  const ended = (after.phase === 'done' && before?.phase === 'verifying') || after.phase === 'failed';
  if (ended && durationMs !== undefined && Number.isFinite(durationMs) && durationMs >= 0) {
    sinks.metrics.rebootDuration.observe({ result: after.phase === 'done' ? 'succeeded' : 'failed' }, durationMs / 1000);
  }

  const level = after.phase === 'failed' ? 'warn' : 'info';
  sinks.log[level]({ node: name, phase: after.phase, from: before?.phase, reason: after.reason }, 'node transition');
  for (const line of kuredLogLines(name, before, after))
    sinks.log[line.level]({ node: name, phase: after.phase, reason: after.reason }, line.msg);
  if (!isRoutineStep(before, after)) sinks.events.record(node, after.phase, after.reason);
  // A hook's start or end is recorded on the cordoned node: the drain message went with the cordon.
  const kind = before?.phase === 'cordoned' && after.phase === 'cordoned' ? undefined : notificationKind(before, after);
  if (kind) {
    sinks.notify({
      kind,
      node: name,
      reason: after.reason,
      phase: after.phase,
      ...(durationMs !== undefined && after.phase === 'done' ? { durationMs } : {}),
    });
  }
}
