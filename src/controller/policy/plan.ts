// The planning step of a decision cycle, pure like decide(): which nodes ask to start (the trigger
// mode applied), in which order they go (--node-order, then oldest request; zone by zone if asked),
// how many slots are free overall and per zone, whether the rollout is halted, and — as the cycle
// goes — which candidates may still take a slot. Tested by tables (test/unit/controller/plan.test.ts);
// the reconciler only performs what this says.

import { matchesLabelSelector } from '../../kube/label-selector.ts';
import { ageRequest } from './node-age.ts';
import type { LockRecord } from '../../store/lock-record.ts';
import type { HaltRecord, RolloutRecord } from '../../store/rollout-record.ts';
import { liveHolders, type SlotSettings } from '../lock/slots.ts';
import { resumedSince, wantsToStart } from './decide.ts';
import type { ObservedNode } from './observed-node.ts';
import { isOutOfService, NO_FREE_SLOT } from '../../store/node-progress.ts';

export type Trigger = 'alert' | 'node';

/**
 * Requests that are read off the node rather than recorded: with --trigger=node the agent's own
 * "reboot required" report, and with --max-node-age a boot older than the maximum (spread, see
 * node-age.ts). A recorded request (webhook, operator) comes first.
 */
export function withTrigger(node: ObservedNode, trigger: Trigger, now?: Date, maxNodeAgeMs = 0): ObservedNode {
  if (node.request) return node;
  if (trigger === 'node' && node.rebootRequired === true && node.sentinelCheckedAt)
    return { ...node, request: { at: node.sentinelCheckedAt, kind: 'node' } };
  const due =
    now && maxNodeAgeMs > 0
      ? ageRequest({ name: node.name, ...(node.bootTime ? { bootTime: node.bootTime } : {}) }, { maxNodeAgeMs }, now)
      : undefined;
  return due ? { ...node, request: due } : node;
}

/** Candidates are served oldest request first; the name breaks ties so the order is stable. */
function byRequestAge(a: ObservedNode, b: ObservedNode): number {
  return a.request!.at.localeCompare(b.request!.at) || a.name.localeCompare(b.name);
}

export interface TopologySettings {
  /** Node label naming its zone; nodes without it share the zone "". */
  readonly zoneLabel: string;
  /** Most nodes out of service at once in one zone; 0: no cap. */
  readonly maxUnavailablePerZone: number;
  /** Finish every requested node of one zone before starting another. */
  readonly zoneByZone: boolean;
  /** Label selectors: nodes matching the first go first, nodes matching none last. */
  readonly nodeOrder: readonly string[];
}

export const NO_TOPOLOGY: TopologySettings = { zoneLabel: '', maxUnavailablePerZone: 0, zoneByZone: false, nodeOrder: [] };

export function zoneOf(node: ObservedNode, topology: TopologySettings): string {
  return topology.zoneLabel === '' ? '' : (node.labels[topology.zoneLabel] ?? '');
}

/** The node's place in --node-order: the index of the first selector it matches. */
function orderRank(node: ObservedNode, topology: TopologySettings): number {
  const index = topology.nodeOrder.findIndex((selector) => matchesLabelSelector(selector, node.labels));
  return index === -1 ? topology.nodeOrder.length : index;
}

/**
 * With --zone-by-zone, the zone being worked on: the zone of the node kreboot started most
 * recently (out of service or done), derived from the records so a restart keeps to it.
 */
function currentZone(nodes: readonly ObservedNode[], topology: TopologySettings): string | undefined {
  let latest: ObservedNode | undefined;
  for (const node of nodes) {
    const started = node.progress?.startedAt;
    if (!started || !(isOutOfService(node.progress) || node.progress?.phase === 'done')) continue;
    if (!latest || started > latest.progress!.startedAt!) latest = node;
  }
  return latest ? zoneOf(latest, topology) : undefined;
}

/**
 * The halt: derived on every cycle from the nodes' records, so it cannot be lost between two
 * writes (a node that did not come back, failed and kept out of service, that no later resume
 * covers), or the halt kept on the lock DaemonSet, which outlives that node until a resume.
 */
export function rolloutHalt(nodes: readonly ObservedNode[], record: RolloutRecord | undefined): HaltRecord | undefined {
  return haltingNode(nodes, record) ?? record?.halted;
}

/**
 * The halt as the nodes' records show it: the first node that halted the rollout and that no
 * later resume covers. The reconciler keeps it on the rollout record too (lock/halt-record.ts),
 * so it outlives that node.
 */
export function haltingNode(nodes: readonly ObservedNode[], record: RolloutRecord | undefined): HaltRecord | undefined {
  const resumedAt = record?.resumed?.at;
  let first: ObservedNode | undefined;
  for (const node of nodes) {
    const progress = node.progress;
    const halts = progress?.haltedRollout === true || progress?.holdsRollout === true;
    if (progress?.phase !== 'failed' || !halts || resumedSince(progress, resumedAt)) continue;
    if (
      !first ||
      progress.since.localeCompare(first.progress!.since) < 0 ||
      (progress.since === first.progress!.since && node.name < first.name)
    )
      first = node;
  }
  return first ? { at: first.progress!.since, node: first.name, reason: first.progress!.reason } : undefined;
}

export interface CyclePlan {
  /**
   * Every node in the order to decide it: nodes out of service first (finishing one frees the slot
   * the next candidate takes in the same cycle), then the rest, then the candidates.
   */
  readonly order: readonly ObservedNode[];
  /** The nodes out of service, first in `order`. */
  readonly out: readonly ObservedNode[];
  /** Neither out of service nor asking to start: only records to keep (between out and candidates in `order`). */
  readonly rest: readonly ObservedNode[];
  /** Nodes asking to start, oldest request first: the only nodes shown to the gates. */
  readonly candidates: readonly ObservedNode[];
  /** Nodes kreboot has out of service: they count against the concurrency whatever the lock says. */
  readonly outOfService: ReadonlySet<string>;
  /** Slots free at the start of the cycle. */
  readonly free: number;
  /** Nodes out of service or holding one of our slots, per zone. */
  readonly outByZone: ReadonlyMap<string, number>;
  /** With --zone-by-zone: the zone candidates are taken from while it has any. */
  readonly activeZone: string | undefined;
}

export function planCycle(
  nodes: readonly ObservedNode[],
  lock: LockRecord | undefined,
  settings: SlotSettings,
  now: Date,
  topology: TopologySettings = NO_TOPOLOGY,
): CyclePlan {
  const candidates: ObservedNode[] = [];
  const out: ObservedNode[] = [];
  const rest: ObservedNode[] = [];
  for (const node of nodes) {
    if (wantsToStart(node, now)) candidates.push(node);
    else if (isOutOfService(node.progress)) out.push(node);
    else rest.push(node);
  }
  const rank = new Map(candidates.map((node) => [node.name, orderRank(node, topology)]));
  candidates.sort((a, b) => rank.get(a.name)! - rank.get(b.name)! || byRequestAge(a, b));
  const outOfService = new Set(out.map((node) => node.name));
  // A zone's tally counts every node that is out of service or holds one of our slots: a node whose
  // slot was taken but whose cordon has not landed yet (lost to a conflict, a restart in between) is
  // about to go out, and leaving it out of the tally let a second node of its zone start beside it.
  const occupying = new Set(outOfService);
  if (lock) for (const holder of liveHolders(lock, settings, now, outOfService)) if (holder.ours) occupying.add(holder.nodeID);
  const outByZone = new Map<string, number>();
  for (const node of nodes) {
    if (!occupying.has(node.name)) continue;
    const zone = zoneOf(node, topology);
    outByZone.set(zone, (outByZone.get(zone) ?? 0) + 1);
  }
  let activeZone: string | undefined;
  if (topology.zoneByZone && candidates.length > 0) {
    const zonesWithCandidates = new Set(candidates.map((node) => zoneOf(node, topology)));
    const busy = [...outByZone.keys()].find((zone) => zonesWithCandidates.has(zone));
    const recent = currentZone(nodes, topology);
    activeZone =
      busy ??
      (outByZone.size > 0
        ? [...outByZone.keys()][0]
        : recent !== undefined && zonesWithCandidates.has(recent)
          ? recent
          : zoneOf(candidates[0]!, topology));
    // The active zone's candidates first, keeping the order within each zone.
    const inZone = candidates.filter((node) => zoneOf(node, topology) === activeZone);
    const others = candidates.filter((node) => zoneOf(node, topology) !== activeZone);
    candidates.splice(0, candidates.length, ...inZone, ...others);
  }
  // An unreadable lock frees nothing (the rollout gate blocks anyway).
  const occupied = lock
    ? new Set([...liveHolders(lock, settings, now, outOfService).map((holder) => holder.nodeID), ...outOfService]).size
    : settings.concurrency;
  return {
    order: [...out, ...rest, ...candidates],
    out,
    rest,
    candidates,
    outOfService,
    free: Math.max(0, settings.concurrency - occupied),
    outByZone,
    activeZone,
  };
}

export type Offer = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/**
 * Slot accounting within one cycle: a start takes a slot (overall and in its zone), a completion
 * or a restore frees one.
 */
export interface SlotLedger {
  /** Whether a candidate may be offered a start now, and if not, why. */
  offer(node: ObservedNode, holdsSlot: boolean): Offer;
  took(node: ObservedNode): void;
  freed(node: ObservedNode): void;
}

export function slotLedger(
  plan: Pick<CyclePlan, 'free' | 'outByZone' | 'activeZone'>,
  settings: SlotSettings,
  topology: TopologySettings = NO_TOPOLOGY,
): SlotLedger {
  let available = plan.free;
  const outByZone = new Map(plan.outByZone);
  const zone = (node: ObservedNode) => zoneOf(node, topology);
  return {
    offer(node, holdsSlot) {
      // Reasons name no counts that change as nodes come and go: a waiting node's record is rewritten
      // only when its reason changes, and a count in it rewrote every waiting node at every start.
      if (!holdsSlot && available <= 0) return { ok: false, reason: NO_FREE_SLOT };
      const here = zone(node);
      if (topology.zoneByZone && plan.activeZone !== undefined && here !== plan.activeZone)
        return { ok: false, reason: `zone by zone: ${zoneLabel(plan.activeZone)} goes first` };
      const cap = topology.maxUnavailablePerZone;
      // A node holding a slot is already in its zone's tally: it is not counted against itself.
      const out = (outByZone.get(here) ?? 0) - (holdsSlot ? 1 : 0);
      if (cap > 0 && out >= cap) return { ok: false, reason: zoneCapReason(here, cap) };
      return { ok: true };
    },
    took(node) {
      available--;
      outByZone.set(zone(node), (outByZone.get(zone(node)) ?? 0) + 1);
    },
    freed(node) {
      available++;
      const here = zone(node);
      outByZone.set(here, Math.max(0, (outByZone.get(here) ?? 0) - 1));
    },
  };
}

/**
 * The zone check made when a slot is written, against the lock as it is then: the node's zone holds
 * its cap of nodes out of service or holding our slots (the node itself not counted). Holders of
 * nodes the view does not hold have no known zone and are not counted (they count in the total).
 */
export function zoneFullAgainst(
  node: ObservedNode,
  holders: readonly string[],
  outOfService: ReadonlySet<string>,
  nodeByName: (name: string) => ObservedNode | undefined,
  topology: TopologySettings,
): string | undefined {
  const cap = topology.maxUnavailablePerZone;
  if (cap <= 0) return undefined;
  const here = zoneOf(node, topology);
  const others = new Set([...holders, ...outOfService]);
  others.delete(node.name);
  let out = 0;
  for (const name of others) {
    const other = nodeByName(name);
    if (other && zoneOf(other, topology) === here) out++;
  }
  return out >= cap ? zoneCapReason(here, cap) : undefined;
}

function zoneCapReason(zone: string, cap: number): string {
  return `${zoneLabel(zone)} has its --max-unavailable-per-zone=${cap} nodes out of service`;
}

function zoneLabel(zone: string): string {
  return zone === '' ? 'nodes without a zone' : `zone ${zone}`;
}
