// The first half of the workload gate (ADR 0018): no node starts while a workload that the last
// reboot(s) disrupted is not back. A drain records, on its Node and before its first eviction, the
// controllers of the pods it evicts (and of the DaemonSet pods the reboot restarts) with how many
// of their pods were Ready (store/evicted-workloads.ts). Until each is Ready at that count again
// (at most its desired count: a workload scaled down meanwhile waits for less), every candidate
// waits with a reason naming it: "workloads: web: 3 of 4 Ready (evicted from node-1)".
//
// Which reboots: the nodes that finished (done, or failed and given back) after the newest start
// of any node. With --concurrency=1 that is the previous node; a start shows the one before it was
// waited for. A wait lasts at most --workload-gate-timeout from the node's finish; then the gate
// halts the rollout, or stops waiting for that node and says so. A resume after a halt ends the
// waits that had timed out before it. Counts come from the watch (workload-view.ts): no API call.

import type { WorkloadSource } from '../controller/cluster/workload-view.ts';
import type { ObservedNode } from '../controller/policy/observed-node.ts';
import { splitWorkloadKey, type WorkloadKey } from '../store/evicted-workloads.ts';
import { blocked, OPEN, type Gate, type Verdict } from './gate.ts';
import { listed, notListed, shortDuration, type WorkloadGateDeps, type WorkloadGateSettings } from './workload-gate-settings.ts';

export const WORKLOADS_GATE = 'workloads';

/** A node whose drain's workloads the next start waits for. */
interface Disrupted {
  readonly node: string;
  readonly finishedAt: number;
  readonly workloads: Readonly<Record<WorkloadKey, number | null>>;
}

/** Finished nodes with a record of this round, finished after the newest start of any node. */
export function disruptedBy(nodes: readonly ObservedNode[]): Disrupted[] {
  let newestStart = -Infinity;
  for (const node of nodes) {
    const started = node.progress?.startedAt ? Date.parse(node.progress.startedAt) : NaN;
    if (started > newestStart) newestStart = started;
  }
  const found: Disrupted[] = [];
  for (const node of nodes) {
    const { progress, evicted } = node;
    if (!progress || !evicted || progress.startedAt === undefined || evicted.round !== progress.startedAt) continue;
    const finished = progress.phase === 'done' || (progress.phase === 'failed' && progress.haltedRollout !== true);
    const finishedAt = Date.parse(progress.since);
    if (finished && finishedAt > newestStart) found.push({ node: node.name, finishedAt, workloads: evicted.workloads });
  }
  return found.sort((a, b) => a.finishedAt - b.finishedAt || a.node.localeCompare(b.node));
}

export interface WorkloadsAnswer {
  readonly verdict: Verdict;
  /** The workloads waited on (the watch wakes the cycle when one of them changes). */
  readonly waitingOn: readonly WorkloadKey[];
  /** Waits that ran out with --workload-gate-timeout-action=continue: node → what it waited for. */
  readonly gaveUp: readonly { node: string; round: string; message: string }[];
}

/** The gate's answer, the same for every candidate (pure: tested by tables). */
export function workloadsVerdict(input: {
  readonly nodes: readonly ObservedNode[];
  readonly source: Pick<WorkloadSource, 'synced' | 'workload' | 'problem'>;
  readonly now: Date;
  readonly resumedAt: string | undefined;
  readonly settings: WorkloadGateSettings;
}): WorkloadsAnswer {
  const { settings, now } = input;
  const resumed = input.resumedAt ? Date.parse(input.resumedAt) : NaN;
  const disrupted = disruptedBy(input.nodes).filter(
    // A resume after the wait had run out (it halted the rollout) ends that wait.
    (entry) => !(settings.timeoutMs > 0 && resumed >= entry.finishedAt + settings.timeoutMs),
  );
  if (disrupted.length === 0) return { verdict: OPEN, waitingOn: [], gaveUp: [] };
  if (!input.source.synced()) return { verdict: blocked(WORKLOADS_GATE, notListed('workloads', input.source)), waitingOn: [], gaveUp: [] };
  const waitingOn: WorkloadKey[] = [];
  const gaveUp: { node: string; round: string; message: string }[] = [];
  for (const entry of disrupted) {
    const behind: string[] = [];
    for (const [key, before] of Object.entries(entry.workloads)) {
      if (!splitWorkloadKey(key)) continue;
      const status = input.source.workload(key);
      if (!status) continue; // deleted: nothing left to come back
      const target = before === null ? status.desired : Math.min(status.desired, before);
      if (!status.current) behind.push(`${status.shownAs}: status not yet updated by its controller`);
      else if (status.ready < target) behind.push(`${status.shownAs}: ${status.ready} of ${target} Ready`);
      else continue;
      waitingOn.push(key);
    }
    if (behind.length === 0) continue;
    const what = `${listed(behind)} (evicted from ${entry.node})`;
    if (settings.timeoutMs > 0 && now.getTime() >= entry.finishedAt + settings.timeoutMs) {
      const limit = shortDuration(settings.timeoutMs);
      if (settings.onTimeout === 'continue') {
        gaveUp.push({
          node: entry.node,
          round: String(entry.finishedAt),
          message: `stopped waiting after ${limit} (--workload-gate-timeout) for the workloads evicted from ${entry.node}: ${listed(behind)}; the next node may start`,
        });
        continue;
      }
      const reason = `not back within ${limit} (--workload-gate-timeout): ${what}`;
      const verdict: Verdict = { open: false, gate: WORKLOADS_GATE, reason, halt: { node: entry.node, reason: `workloads ${reason}` } };
      return { verdict, waitingOn, gaveUp };
    }
    return { verdict: blocked(WORKLOADS_GATE, what), waitingOn, gaveUp };
  }
  return { verdict: OPEN, waitingOn, gaveUp };
}

export function workloadsGate(deps: WorkloadGateDeps & { readonly interest: Set<string> }): Gate {
  /** Waits already said to have ended (continue): said once each. */
  const announced = new Set<string>();
  return {
    name: WORKLOADS_GATE,
    async evaluate({ now }) {
      const answer = workloadsVerdict({
        nodes: deps.nodes(),
        source: deps.source,
        now,
        resumedAt: deps.resumedAt(),
        settings: deps.settings,
      });
      for (const key of [...deps.interest]) if (!key.startsWith('PodDisruptionBudget/')) deps.interest.delete(key);
      for (const key of answer.waitingOn) deps.interest.add(key);
      for (const ended of answer.gaveUp) {
        const id = `${ended.node}@${ended.round}`;
        if (announced.has(id)) continue;
        announced.add(id);
        deps.announce(ended.node, ended.message);
      }
      return () => answer.verdict;
    },
  };
}
