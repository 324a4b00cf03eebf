// The recent history the status page shows: each node's transitions as this replica saw them on its
// watch, newest first, with how long the node spent in the phase it left and, for a finished reboot,
// how long the whole reboot took. Memory only (the records on the Nodes hold the current state; the
// history is what a person glances at), so a replica that starts fresh begins with each node's last
// transition read from its record, and both replicas build the same history from the same watch.

import type { NodeProgress } from '../../store/node-progress.ts';

export interface TimelineEntry {
  /** RFC 3339: when the transition happened (the record's `since`). */
  readonly at: string;
  readonly node: string;
  /** Absent for the first transition this replica saw of the node. */
  readonly from?: string;
  readonly to: string;
  readonly reason: string;
  /** Time spent in `from`. */
  readonly spentMs?: number;
  /** For a reboot that finished (or failed): cordon to now. */
  readonly rebootMs?: number;
  readonly failed: boolean;
}

export interface Timeline {
  /** Records what changed since the last call; true when something did. */
  observe(nodes: readonly { readonly name: string; readonly progress: NodeProgress | undefined }[]): boolean;
  entries(): readonly TimelineEntry[];
}

const ms = (iso: string | undefined) => (iso ? Date.parse(iso) : NaN);

export function createTimeline(limit = 50): Timeline {
  const last = new Map<string, NodeProgress>();
  let entries: TimelineEntry[] = [];

  function entry(node: string, before: NodeProgress | undefined, after: NodeProgress): TimelineEntry {
    const spentMs = before ? ms(after.since) - ms(before.since) : NaN;
    const ended = after.phase === 'done' || after.phase === 'failed';
    const rebootMs = ended && after.startedAt ? ms(after.since) - ms(after.startedAt) : NaN;
    return {
      at: after.since,
      node,
      ...(before ? { from: before.phase } : {}),
      to: after.phase,
      reason: after.reason,
      ...(Number.isFinite(spentMs) && spentMs >= 0 ? { spentMs } : {}),
      ...(Number.isFinite(rebootMs) && rebootMs >= 0 ? { rebootMs } : {}),
      failed: after.phase === 'failed',
    };
  }

  return {
    observe(nodes) {
      const added: TimelineEntry[] = [];
      for (const { name, progress } of nodes) {
        if (!progress) continue;
        const before = last.get(name);
        // A new phase, or the same phase begun again (a retry): a reason reworded in place is not
        // a transition.
        if (before && before.phase === progress.phase && before.since === progress.since) continue;
        last.set(name, progress);
        added.push(entry(name, before, progress));
      }
      if (added.length === 0) return false;
      entries = [...added, ...entries].sort((a, b) => ms(b.at) - ms(a.at) || a.node.localeCompare(b.node)).slice(0, limit);
      return true;
    },
    entries: () => entries,
  };
}
