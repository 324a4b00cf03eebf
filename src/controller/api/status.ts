// The answer to "why is node X not rebooting?": every node kreboot knows something about, with
// its phase, reason and since; the queue in the order nodes will start; what is in flight; and
// whether the rollout is paused or halted, and why. Built from the watch-fed view: no API calls.

import type { QueueStatus } from '../../notify/delivery-queue.ts';
import { liveHolders, type SlotSettings } from '../lock/slots.ts';
import type { HaltRecord, RolloutRecord } from '../lock/rollout-record.ts';
import { wantsToStart } from '../policy/decide.ts';
import type { ObservedNode } from '../policy/observed-node.ts';
import { isOutOfService } from '../policy/progress.ts';

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
}

export interface Status {
  readonly leader: boolean;
  readonly identity: string;
  readonly concurrency: number;
  readonly paused: { readonly reason: string; readonly at: string; readonly by?: string } | null;
  readonly halted: { readonly node: string; readonly reason: string; readonly at: string } | null;
  readonly lockHolders: readonly { readonly node: string; readonly kreboot: boolean; readonly since?: string }[];
  readonly inFlight: readonly string[];
  readonly queue: readonly string[];
  readonly nodes: readonly NodeStatus[];
  /** Each notification destination: service, a target safe to show (never the URL), queue, last error. */
  readonly notifications: readonly QueueStatus[];
}

export function buildStatus(input: { nodes: readonly ObservedNode[]; queue?: readonly string[]; rollout: RolloutRecord | undefined; halt: HaltRecord | undefined; leader: boolean; identity: string; settings: SlotSettings; now: Date; notifications: readonly QueueStatus[] }): Status {
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
  return {
    leader: input.leader,
    identity: input.identity,
    concurrency: input.settings.concurrency,
    paused: rollout?.paused ? { ...rollout.paused } : null,
    halted: input.halt ? { ...input.halt } : null,
    lockHolders: holders.map((holder) => ({ node: holder.nodeID, kreboot: holder.ours, ...(holder.created ? { since: holder.created } : {}) })),
    inFlight: known.filter((node) => isOutOfService(node.progress)).map((node) => node.name),
    queue,
    nodes: known
      .map((node) => ({
        name: node.name,
        phase: node.progress?.phase ?? (node.request ? 'queued' : 'idle'),
        reason: node.progress?.reason ?? (node.request ? 'requested; not yet evaluated' : 'the agent reports a reboot is required; no request yet'),
        since: node.progress?.since,
        request: node.request ? { at: node.request.at, kind: node.request.kind, ...(node.request.alertname ? { alertname: node.request.alertname } : {}) } : undefined,
        rebootRequired: node.rebootRequired,
        ready: node.ready,
        unschedulable: node.unschedulable,
        attempts: node.progress?.attempts,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    notifications: input.notifications,
  };
}
