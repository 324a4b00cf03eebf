// The rollout as the status API, the metrics and the dry-run plan read it: every node as the policy
// sees it, the halt, the recovery the rollout waits on, the queue and the forecast — queries over
// the watch-fed view and the rollout record, apart from the decision cycle. The cycle feeds it the
// gates' verdicts it asked for (so a plan asked for soon after reuses them) and tells it of every
// change (so a shared plan is computed again); it never reads the cycle's state otherwise.

import type { V1Node } from '@kubernetes/client-node';
import { evaluateGates } from '../gates/evaluate-gates.ts';
import type { Gate, Verdict } from '../gates/gate.ts';
import type { HaltRecord } from '../store/rollout-record.ts';
import type { ClusterView } from './cluster/cluster-view.ts';
import type { RolloutStore } from './lock/rollout-store.ts';
import type { SlotSettings } from './lock/slots.ts';
import { forecast, type Forecast } from './policy/forecast.ts';
import { observeNode, type ObservedNode } from './policy/observed-node.ts';
import { NO_TOPOLOGY, planCycle, rolloutHalt, withTrigger, type TopologySettings, type Trigger } from './policy/plan.ts';
import { recoveryHold } from './policy/recovery.ts';
import { rolloutHold } from './policy/rollout-hold.ts';
import { createSharedComputation } from './shared-computation.ts';

/**
 * The dry-run plan is shared by its callers for at most this long, and only until the controller
 * hears of a change: anyone may ask for it, and each computation asks the gates (issue 26, item 9).
 */
const PLAN_MAX_AGE_MS = 5000;

/** The queries; a pool's reconciler answers them, and combined-reconciler.ts joins the pools'. */
export interface RolloutQueries {
  /** Every node as the policy sees it now (for status and metrics). */
  observed(): readonly ObservedNode[];
  /** The halt as derived from the nodes' records (status, metrics). */
  halt(): HaltRecord | undefined;
  /** The node a recovery policy works on, which the rollout waits on (status). */
  recovering(): HaltRecord | undefined;
  /** The nodes asking to start, in the order they will go (status). */
  queue(): string[];
  /**
   * The dry-run plan from the live state, shared by concurrent and recent callers; uses the last
   * cycle's gate verdicts when they cover every candidate and are recent, else asks the gates once.
   */
  forecast(): Promise<Forecast>;
}

export interface ReadModelSettings extends SlotSettings {
  readonly trigger: Trigger;
  readonly gateRecheckMs: number;
  readonly lockAnnotation: string;
  readonly topology?: TopologySettings;
  readonly maxNodeAgeMs?: number;
}

export interface ReadModelDeps {
  readonly view: ClusterView;
  /** Every node of the install, whatever its pool (docs/pools.md); absent: the view's nodes. */
  readonly clusterNodes?: () => readonly V1Node[];
  readonly rollout: RolloutStore;
  readonly gates: readonly Gate[];
  readonly settings: ReadModelSettings;
  readonly clock: () => Date;
}

export interface ReadModel extends RolloutQueries {
  /** The cycle asked the gates for these candidates: a plan asked for soon may reuse the answers. */
  rememberVerdicts(at: Date, nodes: ReadonlySet<string>, verdictOf: (node: string) => Verdict): void;
  /** Something changed: a shared plan is computed again. */
  changed(): void;
}

/** Nodes as the policy sees them, with the request the trigger and node age read off them. */
export function observeAll(
  nodes: readonly V1Node[],
  settings: Pick<ReadModelSettings, 'trigger' | 'maxNodeAgeMs'>,
  now: Date,
): { node: V1Node; observed: ObservedNode }[] {
  const maxNodeAgeMs = settings.maxNodeAgeMs ?? 0;
  return nodes.map((node) => ({ node, observed: withTrigger(observeNode(node), settings.trigger, now, maxNodeAgeMs) }));
}

/**
 * Asks the gates once for the candidates. The gates need every node's name, not only the
 * candidates', to tell a node's alert from a host's: an alert naming something that is not a node
 * blocks every node.
 */
export function askGates(
  gates: readonly Gate[],
  view: ClusterView,
  candidates: readonly ObservedNode[],
  now: Date,
): Promise<(node: string) => Verdict> {
  const knownNodes = new Set(view.nodes().map((node) => node.metadata?.name ?? ''));
  return evaluateGates(gates, { now, nodes: candidates.map((node) => node.name), knownNodes });
}

export function createReadModel(deps: ReadModelDeps): ReadModel {
  const { view, rollout, settings, clock } = deps;
  /** The gates' verdicts of the last cycle that asked them, for the plan (forecast) to reuse. */
  let lastVerdicts: { at: number; nodes: ReadonlySet<string>; verdictOf: (node: string) => Verdict } | undefined;
  const observed = (nodes: readonly V1Node[], now = clock()) => observeAll(nodes, settings, now).map((entry) => entry.observed);
  const everyNode = () => (deps.clusterNodes ? deps.clusterNodes() : view.nodes());

  async function computeForecast(): Promise<Forecast> {
    const now = clock();
    const nodes = observed(view.nodes(), now);
    const record = rollout.current();
    const topology = settings.topology ?? NO_TOPOLOGY;
    const cyclePlan = planCycle(nodes, record?.lock, settings, now, topology);
    const candidates = cyclePlan.candidates;
    const all = deps.clusterNodes ? observed(deps.clusterNodes(), now) : nodes;
    const held = rolloutHold(
      record,
      rolloutHalt(all, record),
      view.daemonSet() !== undefined,
      settings,
      now,
      recoveryHold(all, record?.recovering),
    );
    // The cycle's verdicts when they are no older than the cycle itself would keep a waiting node's
    // (the gate recheck period) and were asked for every node the plan shows.
    const recent = lastVerdicts && now.getTime() - lastVerdicts.at <= settings.gateRecheckMs ? lastVerdicts : undefined;
    const verdict =
      candidates.length === 0
        ? () => ({ open: true as const })
        : recent && candidates.every((node) => recent.nodes.has(node.name))
          ? recent.verdictOf
          : await askGates(deps.gates, view, candidates, now);
    return forecast({ nodes, lock: record?.lock, settings, topology, held, verdict, now, plan: cyclePlan });
  }
  const plan = createSharedComputation({ compute: computeForecast, maxAgeMs: PLAN_MAX_AGE_MS });

  return {
    observed: () => observed(view.nodes()),
    halt: () => rolloutHalt(observed(everyNode()), rollout.current()),
    recovering: () => recoveryHold(observed(everyNode()), rollout.current()?.recovering),
    queue: () =>
      planCycle(observed(view.nodes()), rollout.current()?.lock, settings, clock(), settings.topology).candidates.map((node) => node.name),
    forecast: () => plan.get(),
    rememberVerdicts(at, nodes, verdictOf) {
      lastVerdicts = { at: at.getTime(), nodes, verdictOf };
    },
    changed: () => plan.invalidate(),
  };
}
