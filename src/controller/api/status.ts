// The answer to "why is node X not rebooting?": every node kreboot knows something about, with
// its phase, reason and since; the queue in the order nodes will start; what is in flight; and
// whether the rollout is paused or halted, and why; the counts and the time left; what holds each
// waiting node; the recent transitions. Built from the watch-fed view: no API calls.

import type { QueueStatus } from '../../notify/delivery-queue.ts';
import { liveHolders, type SlotSettings } from '../lock/slots.ts';
import type { HaltRecord, RolloutRecord } from '../../store/rollout-record.ts';
import { wantsToStart } from '../policy/decide.ts';
import type { ObservedNode } from '../policy/observed-node.ts';
import { IN_FLIGHT_PHASES, isOutOfService, type Phase } from '../../store/node-progress.ts';
import { estimateRemaining, type Estimate } from './status-estimate.ts';
import { gateHold, type GateHold } from './status-gate.ts';
import type { TimelineEntry } from './status-timeline.ts';

export interface NodeStatus {
  readonly name: string;
  readonly phase: string;
  readonly reason: string;
  readonly since: string | undefined;
  readonly request: { readonly at: string; readonly kind: string; readonly alertname?: string } | undefined;
  readonly rebootRequired: boolean | undefined;
  readonly ready: boolean;
  readonly unschedulable: boolean;
  readonly attempts: number | undefined;
  /** RFC 3339: when kreboot cordoned the node for its current reboot. */
  readonly startedAt?: string;
  /** For a waiting node: the gate that holds it and when it may open. */
  readonly gate?: GateHold;
  /** For a failed node: when it is tried again (absent: never, or only when an operator asks). */
  readonly retryAt?: string;
  readonly final?: boolean;
}

/** Nodes kreboot has a reason to show, by where they are in the rollout. */
export interface Progress {
  readonly done: number;
  readonly inFlight: number;
  readonly queued: number;
  readonly waiting: number;
  readonly failed: number;
}

export interface Status {
  readonly leader: boolean;
  readonly identity: string;
  /** Who holds the leader Lease, when this replica is not the leader and knows it. */
  readonly leaderIdentity?: string;
  readonly concurrency: number;
  readonly paused: { readonly reason: string; readonly at: string; readonly by?: string } | null;
  readonly halted: { readonly node: string; readonly reason: string; readonly at: string } | null;
  readonly lockHolders: readonly { readonly node: string; readonly kreboot: boolean; readonly since?: string }[];
  readonly inFlight: readonly string[];
  readonly queue: readonly string[];
  readonly nodes: readonly NodeStatus[];
  /** Each notification destination: service, a target safe to show (never the URL), queue, last error. */
  readonly notifications: readonly QueueStatus[];
  readonly progress: Progress;
  /** null until a reboot has finished (nothing measured yet). */
  readonly estimate: Estimate | null;
  /** Recent transitions, newest first. */
  readonly timeline: readonly TimelineEntry[];
}

export interface StatusInput {
  readonly nodes: readonly ObservedNode[];
  /** The planning step's order (--node-order, zones) when the caller has it. */
  readonly queue?: readonly string[];
  readonly rollout: RolloutRecord | undefined;
  /** The halt, derived from the nodes' records. */
  readonly halt: HaltRecord | undefined;
  readonly leader: boolean;
  readonly identity: string;
  readonly leaderIdentity?: string | undefined;
  readonly settings: SlotSettings;
  readonly now: Date;
  readonly notifications: readonly QueueStatus[];
  readonly timeline?: readonly TimelineEntry[];
}

const phaseInFlight = (node: NodeStatus) => IN_FLIGHT_PHASES.has(node.phase as Phase);

function countPhases(nodes: readonly NodeStatus[], queue: readonly string[]): Progress {
  const queued = new Set(queue);
  const count = (test: (node: NodeStatus) => boolean) => nodes.filter(test).length;
  return {
    done: count((node) => node.phase === 'done' && !queued.has(node.name)),
    inFlight: count(phaseInFlight),
    queued: count((node) => queued.has(node.name) && node.phase !== 'waiting'),
    waiting: count((node) => node.phase === 'waiting'),
    failed: count((node) => node.phase === 'failed' && !queued.has(node.name)),
  };
}

export function buildStatus(input: StatusInput): Status {
  const { nodes, rollout, now } = input;
  const known = nodes.filter((node) => node.progress || node.request || node.rebootRequired === true);
  // The planning step's order (--node-order, zones) when the caller has it; else oldest request first.
  const queue =
    input.queue ??
    known
      .filter((node) => wantsToStart(node, now))
      .sort((a, b) => a.request!.at.localeCompare(b.request!.at) || a.name.localeCompare(b.name))
      .map((node) => node.name);
  const holders = rollout?.lock ? liveHolders(rollout.lock, input.settings, now) : [];
  const nodeStatuses: NodeStatus[] = known
    .map((node) => {
      const progress = node.progress;
      const phase = progress?.phase ?? (node.request ? 'queued' : 'idle');
      const reason = progress?.reason ?? (node.request ? 'requested; not yet evaluated' : 'the agent reports a reboot is required; no request yet');
      const gate = phase === 'waiting' ? gateHold(reason) : undefined;
      return {
        name: node.name,
        phase,
        reason,
        since: progress?.since,
        request: node.request ? { at: node.request.at, kind: node.request.kind, ...(node.request.alertname ? { alertname: node.request.alertname } : {}) } : undefined,
        rebootRequired: node.rebootRequired,
        ready: node.ready,
        unschedulable: node.unschedulable,
        attempts: progress?.attempts,
        ...(progress?.startedAt ? { startedAt: progress.startedAt } : {}),
        ...(gate ? { gate } : {}),
        ...(progress?.phase === 'failed' && progress.retryAt ? { retryAt: progress.retryAt } : {}),
        ...(progress?.phase === 'failed' && progress.final ? { final: true } : {}),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
  const counts = countPhases(nodeStatuses, queue);
  const estimate = estimateRemaining(
    nodeStatuses.map((node) => ({ phase: node.phase, since: node.since, startedAt: node.startedAt, inFlight: phaseInFlight(node) })),
    queue.length,
    input.settings.concurrency,
    now,
  );
  return {
    leader: input.leader,
    identity: input.identity,
    ...(!input.leader && input.leaderIdentity ? { leaderIdentity: input.leaderIdentity } : {}),
    concurrency: input.settings.concurrency,
    paused: rollout?.paused ? { ...rollout.paused } : null,
    halted: input.halt ? { ...input.halt } : null,
    lockHolders: holders.map((holder) => ({ node: holder.nodeID, kreboot: holder.ours, ...(holder.created ? { since: holder.created } : {}) })),
    inFlight: known.filter((node) => isOutOfService(node.progress)).map((node) => node.name),
    queue,
    nodes: nodeStatuses,
    notifications: input.notifications,
    progress: counts,
    estimate,
    timeline: input.timeline ?? [],
  };
}
