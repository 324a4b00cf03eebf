// The dry-run plan (`kreboot plan`, GET /api/v1/plan): from the live state and the gates' current
// verdicts, the order the pending nodes would go in, the waves the concurrency and zone limits
// allow, what holds each waiting node and until when, and an estimate of the time it takes from
// the reboots measured so far. Pure: it runs the same planning step and slot ledger the decision
// cycle uses, on the assumption that each wave finishes before the next starts.

import type { Verdict } from '../../gates/gate.ts';
import type { LockRecord } from '../../store/lock-record.ts';
import type { SlotSettings } from '../lock/slots.ts';
import type { ObservedNode } from './observed-node.ts';
import { planCycle, slotLedger, zoneOf, type TopologySettings } from './plan.ts';

interface HeldNode {
  readonly node: string;
  readonly gate: string;
  readonly reason: string;
  /** When waiting is all it takes (a window's opening). */
  readonly until?: string;
}

export interface Forecast {
  /** Pending nodes in the order they would go (gates aside). */
  readonly order: readonly { readonly node: string; readonly zone: string }[];
  /** Nodes the gates let go now, grouped in the waves the limits allow; wave 1 starts first. */
  readonly waves: readonly (readonly string[])[];
  /** Nodes a gate of their own holds now (window, alerts, pods), with the reason. */
  readonly held: readonly HeldNode[];
  /** What holds the whole rollout now (pause, halt, a foreign lock holder); the waves follow its end. */
  readonly rolloutHeld: { readonly gate: string; readonly reason: string } | null;
  /** Out of service now: they finish before the first wave can use their slots. */
  readonly inFlight: readonly string[];
  readonly estimate: {
    /** Median start-to-done time of the reboots recorded on the nodes; null before any finished. */
    readonly perNodeSeconds: number | null;
    /** Waves one after another at that median; null when unknown. */
    readonly totalSeconds: number | null;
    readonly basedOn: number;
  };
}

/** Start-to-done durations of the reboots recorded on the nodes (their last completed reboot). */
function measuredDurations(nodes: readonly ObservedNode[]): number[] {
  const durations: number[] = [];
  for (const node of nodes) {
    const progress = node.progress;
    if (progress?.phase !== 'done' || !progress.startedAt) continue;
    const ms = Date.parse(progress.since) - Date.parse(progress.startedAt);
    if (Number.isFinite(ms) && ms >= 0) durations.push(ms);
  }
  return durations;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function forecast(input: {
  readonly nodes: readonly ObservedNode[];
  readonly lock: LockRecord | undefined;
  readonly settings: SlotSettings;
  readonly topology: TopologySettings;
  /** The rollout-wide hold (pause, halt, foreign lock), if any. */
  readonly held: Verdict | undefined;
  readonly verdict: (node: string) => Verdict;
  readonly now: Date;
}): Forecast {
  const { nodes, settings, topology, now } = input;
  const plan = planCycle(nodes, input.lock, settings, now, topology);
  const held: HeldNode[] = [];
  let going = plan.candidates.filter((node) => {
    const verdict = input.verdict(node.name);
    if (verdict.open) return true;
    held.push({
      node: node.name,
      gate: verdict.gate,
      reason: verdict.reason,
      ...(verdict.retryAt ? { until: verdict.retryAt.toISOString() } : {}),
    });
    return false;
  });
  const waves: string[][] = [];
  // The first wave shares the cluster with what is out now; later waves start on a clear cluster.
  let ledger = slotLedger(plan, settings, topology);
  for (let round = 0; going.length > 0 && round <= plan.candidates.length; round++) {
    const wave: string[] = [];
    const left: ObservedNode[] = [];
    for (const node of going) {
      if (ledger.offer(node, false).ok) {
        ledger.took(node);
        wave.push(node.name);
      } else left.push(node);
    }
    if (wave.length > 0) waves.push(wave);
    going = left;
    const nextZone = left[0] ? zoneOf(left[0], topology) : undefined;
    ledger = slotLedger(
      { free: settings.concurrency, outByZone: new Map(), activeZone: topology.zoneByZone ? nextZone : undefined },
      settings,
      topology,
    );
  }
  const durations = measuredDurations(nodes);
  const perNode = median(durations);
  const firstWaveWaits = plan.outOfService.size > 0 && waves.length > 0 && plan.free === 0 ? 1 : 0;
  return {
    order: plan.candidates.map((node) => ({ node: node.name, zone: zoneOf(node, topology) })),
    waves,
    held,
    rolloutHeld: input.held && !input.held.open ? { gate: input.held.gate, reason: input.held.reason } : null,
    inFlight: [...plan.outOfService].sort(),
    estimate: {
      perNodeSeconds: perNode === null ? null : Math.round(perNode / 1000),
      totalSeconds: perNode === null ? null : Math.round(((waves.length + firstWaveWaits) * perNode) / 1000),
      basedOn: durations.length,
    },
  };
}
