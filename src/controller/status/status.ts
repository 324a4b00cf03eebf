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
import type { HookRun } from '../../store/hook-records.ts';

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
  /** The hooks of the node's current (or last) round, in order: each names its Job (its logs) or host hook. */
  readonly hooks?: readonly HookRun[];
  /** What a recovery policy tried on the node that did not come back (retries, handoff). */
  readonly recovery?: { readonly retries: number; readonly waited?: boolean; readonly handedAt?: string; readonly until: string };
  /** With a pools file: the node's pool (absent for a node two pools select: see `conflicts`). */
  readonly pool?: string;
}

/** One pool, with a pools file (docs/pools.md). */
export interface PoolStatus {
  readonly name: string;
  /** Empty for the default pool: the nodes no other pool selects. */
  readonly nodeSelector: string;
  readonly concurrency: number;
  readonly maxUnavailablePerZone: number;
  readonly trigger: string;
  /** The pool's own window when it has one (else the flags'). */
  readonly window: string | null;
  readonly lockAnnotation: string;
  readonly members: number;
  readonly inFlight: readonly string[];
  readonly queue: readonly string[];
}

/** Nodes kreboot has a reason to show, by where they are in the rollout. */
interface Progress {
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
  /** A node a recovery policy works on (--stuck-node-*): the rollout waits on its outcome. */
  readonly recovering?: { readonly node: string; readonly reason: string; readonly at: string } | null;
  readonly lockHolders: readonly { readonly node: string; readonly kreboot: boolean; readonly since?: string }[];
  readonly inFlight: readonly string[];
  /** The queue in order; the first `limit` names when a limit applies (queueLength has them all). */
  readonly queue: readonly string[];
  readonly queueLength: number;
  /** The nodes shown: all of them, or the most relevant `limit` (shown by name). */
  readonly nodes: readonly NodeStatus[];
  /** How many nodes kreboot has something to show for (matching the filter); `nodes` may show fewer. */
  readonly nodesTotal: number;
  /** Each notification destination: service, a target safe to show (never the URL), queue, last error. */
  readonly notifications: readonly QueueStatus[];
  readonly progress: Progress;
  /** null until a reboot has finished (nothing measured yet). */
  readonly estimate: Estimate | null;
  /** Recent transitions, newest first. */
  readonly timeline: readonly TimelineEntry[];
  /** With a pools file: each pool, the default first. */
  readonly pools?: readonly PoolStatus[];
  /** With a pools file: the nodes two pools' selectors match, held. */
  readonly conflicts?: readonly {
    readonly node: string;
    readonly pools: readonly string[];
    readonly install?: string;
    readonly reason: string;
  }[];
}

export interface StatusInput {
  readonly nodes: readonly ObservedNode[];
  /** The planning step's order (--node-order, zones) when the caller has it. */
  readonly queue?: readonly string[];
  readonly rollout: RolloutRecord | undefined;
  /** The halt, derived from the nodes' records. */
  readonly halt: HaltRecord | undefined;
  /** The node being recovered that the rollout waits on. */
  readonly recovering?: HaltRecord | undefined;
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
      const reason =
        progress?.reason ?? (node.request ? 'requested; waiting for its turn' : 'the agent reports a reboot is required; no request yet');
      const gate = phase === 'waiting' && progress ? gateHold(progress) : undefined;
      return {
        name: node.name,
        phase,
        reason,
        since: progress?.since,
        request: node.request
          ? { at: node.request.at, kind: node.request.kind, ...(node.request.alertname ? { alertname: node.request.alertname } : {}) }
          : undefined,
        rebootRequired: node.rebootRequired,
        ready: node.ready,
        unschedulable: node.unschedulable,
        attempts: progress?.attempts,
        ...(progress?.startedAt ? { startedAt: progress.startedAt } : {}),
        ...(gate ? { gate } : {}),
        ...(progress?.phase === 'failed' && progress.retryAt ? { retryAt: progress.retryAt } : {}),
        ...(progress?.phase === 'failed' && progress.final ? { final: true } : {}),
        ...hooksOf(node),
        ...(progress?.recovery
          ? {
              recovery: {
                retries: progress.recovery.retries,
                ...(progress.recovery.waited ? { waited: true } : {}),
                ...(progress.recovery.handedAt ? { handedAt: progress.recovery.handedAt } : {}),
                until: progress.recovery.until,
              },
            }
          : {}),
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
    recovering: input.recovering ? { ...input.recovering } : null,
    lockHolders: holders.map((holder) => ({
      node: holder.nodeID,
      kreboot: holder.ours,
      ...(holder.created ? { since: holder.created } : {}),
    })),
    inFlight: known.filter((node) => isOutOfService(node.progress)).map((node) => node.name),
    queue,
    queueLength: queue.length,
    nodes: nodeStatuses,
    nodesTotal: nodeStatuses.length,
    notifications: input.notifications,
    progress: counts,
    estimate,
    timeline: input.timeline ?? [],
  };
}

/** What a reader asks to see of the nodes (GET /api/v1/status?limit=&phase=&node=). */
export interface StatusView {
  /** Most nodes listed; 0 lists all. */
  readonly limit: number;
  /** Only nodes in these phases (empty: every phase). */
  readonly phases?: readonly string[];
  /** Only nodes whose name contains this. */
  readonly node?: string;
}

/** The API's default: a status of 5,000 rows is 1.2 MB, and nobody reads a table that long. */
export const DEFAULT_STATUS_LIMIT = 500;

/** Which nodes a limited view keeps first: those an operator has to look at. */
const RELEVANCE: Record<string, number> = {
  cordoned: 0,
  draining: 0,
  rebooting: 0,
  verifying: 0,
  failed: 1,
  waiting: 2,
  queued: 3,
  idle: 4,
  done: 5,
};

/**
 * The status cut to a view: nodes filtered by phase and name, then the most relevant `limit` of
 * them (in flight, failed, waiting, queued in queue order, idle, the latest done), listed by name;
 * the queue cut to the same limit. Counts and progress always describe every node.
 */
export function viewStatus(status: Status, view: StatusView): Status {
  const phases = view.phases && view.phases.length > 0 ? new Set(view.phases) : undefined;
  const needle = view.node ?? '';
  const matching = status.nodes.filter((node) => (!phases || phases.has(node.phase)) && node.name.includes(needle));
  if (view.limit <= 0 || (matching.length <= view.limit && status.queue.length <= view.limit)) {
    return matching.length === status.nodes.length ? status : { ...status, nodes: matching, nodesTotal: matching.length };
  }
  const place = new Map(status.queue.map((name, index) => [name, index]));
  const rank = (node: NodeStatus) => RELEVANCE[node.phase] ?? 4;
  const shown = [...matching]
    .sort(
      (a, b) =>
        rank(a) - rank(b) ||
        (place.get(a.name) ?? Infinity) - (place.get(b.name) ?? Infinity) ||
        (b.since ?? '').localeCompare(a.since ?? '') ||
        a.name.localeCompare(b.name),
    )
    .slice(0, view.limit)
    .sort((a, b) => a.name.localeCompare(b.name));
  return { ...status, nodes: shown, nodesTotal: matching.length, queue: status.queue.slice(0, view.limit) };
}

/** The hook runs of the node's current or last round (ADR 0019). */
function hooksOf(node: ObservedNode): Pick<NodeStatus, 'hooks'> {
  const round = node.progress?.startedAt;
  const runs = round ? (node.hooks ?? []).filter((run) => run.round === round) : [];
  return runs.length > 0 ? { hooks: runs } : {};
}
