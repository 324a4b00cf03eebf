// This process's own Node writes that the watch has not shown yet: the overlay beside the view.
// The runner (perform.ts and the steps) writes into it after each Node write, with the API's answer;
// the decision cycle (reconciler.ts) reads the view through it, so the next cycle plans from the
// newest state even before the watch catches up. Neither points at the other: both are handed this
// one overlay by the wiring (decision-core.ts), shared by every pool (a halt or a recovery on a node
// is the install's, whatever pool wrote it).
//
// A write the API server answered is trusted while the watch still shows the node at a version the
// write is known to have replaced: the one it started from, or one an earlier write of this chain
// started from (a cordon, then the hooks' record on top of it). Such a copy is provably older, so
// there is no time limit: a watch that lags (the API server busy, a watch broken until the informer
// lists again) must not make a cordoned node look schedulable and free for a start — with the lock's
// holders lost too, that let a third node out at --concurrency=2 (found by the simulation, seed
// 85796). A `presumed` write is one whose answer was lost (a timeout, a reset connection): `written`
// is what it would have made. It is trusted for PENDING_WRITE_TIMEOUT_MS at most, since it may never
// have landed; it counts against the caps (the plan sees it) but no step is taken on it
// (isPresumed), since a next step built on a cordon that never landed could hand a reboot job to a
// node still schedulable (found by the simulation, seeds 10939 and 20148;
// test/unit/controller/lost-answer.test.ts).

import type { V1Node } from '@kubernetes/client-node';

/** How long a write whose answer was lost is trusted over the view's copy. */
export const PENDING_WRITE_TIMEOUT_MS = 10_000;

/**
 * An answered write is forgotten after this even if its node was never seen again (a Node deleted
 * before the watch showed the write), so the overlay cannot grow without bound.
 */
const ANSWERED_WRITE_KEPT_MS = 15 * 60_000;

/** The runner's half: it reports each Node write. */
export interface OwnWriteSink {
  /**
   * Marks a node written by this process; cycles use the written copy until the watch shows it.
   * `presumed`: the answer was lost and `written` is what the write would have made.
   */
  wrote(node: string, fromResourceVersion: string | undefined, written: V1Node, presumed?: boolean): void;
}

/** The cycle's half: the view's nodes as this process last wrote them. */
export interface OwnWrites extends OwnWriteSink {
  /**
   * The newest copy of a node: the view's, or this process's own write while the watch has not
   * shown it. A node left out of a cycle instead would drop its slot pin and its halt for that
   * cycle (found by the simulation).
   */
  newest(node: V1Node): V1Node;
  /** Whether `node` (the copy newest() gave for `name`) is a presumed write: counted, not acted on. */
  isPresumed(name: string, node: V1Node): boolean;
  /**
   * Forgets the writes whose trust has ended and gives the moment the next presumed one ends
   * (Infinity: none), for the cycle's one timer. One past its end is dropped here, not only when its node is seen
   * again: for a Node deleted before the watch showed the write, the end stayed in the past and
   * every cycle asked for the next one at once (found by the simulation).
   */
  nextExpiry(now: Date): number;
}

interface PendingWrite {
  /** The versions of the node this write is known to have replaced. */
  readonly replaced: ReadonlySet<string>;
  readonly at: number;
  readonly written: V1Node;
  readonly presumed: boolean;
}

export function createOwnWrites(clock: () => Date): OwnWrites {
  const pending = new Map<string, PendingWrite>();
  return {
    wrote(node, from, written, presumed = false) {
      const before = pending.get(node);
      // Written on top of this process's previous write: the versions that one replaced are older still.
      const chained = before !== undefined && !before.presumed && from !== undefined && before.written.metadata?.resourceVersion === from;
      const replaced = new Set(chained ? before.replaced : []);
      if (from !== undefined) replaced.add(from);
      pending.set(node, { replaced, at: clock().getTime(), written, presumed });
    },
    newest(node) {
      const name = node.metadata?.name ?? '';
      const write = pending.get(name);
      if (!write) return node;
      const version = node.metadata?.resourceVersion;
      if (version === undefined || !write.replaced.has(version) || expired(write, clock().getTime())) {
        pending.delete(name);
        return node;
      }
      return write.written;
    },
    isPresumed(name, node) {
      const write = pending.get(name);
      return write !== undefined && write.presumed && write.written === node;
    },
    nextExpiry(now) {
      let next = Infinity;
      for (const [name, write] of pending) {
        if (expired(write, now.getTime())) pending.delete(name);
        else if (write.presumed) next = Math.min(next, write.at + PENDING_WRITE_TIMEOUT_MS + 1);
      }
      return next;
    },
  };
}

function expired(write: PendingWrite, now: number): boolean {
  return now - write.at > (write.presumed ? PENDING_WRITE_TIMEOUT_MS : ANSWERED_WRITE_KEPT_MS);
}
