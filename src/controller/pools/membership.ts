// Which pool a node belongs to. A node in the middle of a reboot stays in the pool it was cordoned
// in (recorded on its progress), whatever happens to its labels meanwhile: relabelled mid-reboot, it
// would otherwise count against a second pool's limit while the first still held its slot — or,
// with the lock's holders lost (the lock DaemonSet deleted and created again), be reclaimed in the
// second pool and free the first's cap for another node. A node that holds a slot but is not
// cordoned yet stays in the pool whose lock holds it; a slot left from a round that has ended does
// not keep it there. Otherwise the
// one pool whose selector matches it; none: the default pool. A node that two pools' selectors
// match belongs to neither: it is held, with a reason naming both, until its labels or the
// selectors change (docs/pools.md). What it reads is cached per Node and DaemonSet object (the watch
// never changes them in place) so that every pool's view of every cycle costs a lookup per node;
// only a slot's age is judged at each call, against the injected clock.

import type { V1DaemonSet, V1Node } from '@kubernetes/client-node';
import { matchesLabelSelector } from '../../kube/label-selector.ts';
import { parseLock } from '../../store/lock-record.ts';
import { CONTROLLER, INSTALL_ANNOTATION } from '../../store/keys.ts';
import { isOutOfService, parseProgress } from '../../store/node-progress.ts';
import { LEFTOVER_SLOT_MS } from '../policy/decide.ts';
import type { PoolSpec } from './pool-specs.ts';

export type Membership =
  | { readonly pool: string }
  /** Held: two pools select it (`conflict` names them), or another install has work on it (`install`). */
  | { readonly pool: undefined; readonly conflict: readonly string[]; readonly install?: string };

export interface PoolMembership {
  of(node: V1Node, ds: V1DaemonSet | undefined): Membership;
}

/**
 * Whether the install that last wrote the node still has work on it: a request, or a reboot
 * queued, waiting, in flight, halted or to be retried. A node it finished with is not held.
 */
export function hasWork(node: V1Node): boolean {
  const annotations = node.metadata?.annotations ?? {};
  if (annotations[CONTROLLER.request] !== undefined) return true;
  const progress = parseProgress(annotations[CONTROLLER.state]);
  if (!progress) return false;
  return progress.phase !== 'done' && !(progress.phase === 'failed' && progress.final === true && !progress.haltedRollout);
}

export function createMembership(pools: readonly PoolSpec[], install?: string, clock: () => Date = () => new Date()): PoolMembership {
  const [first, ...named] = pools;
  const fallback = first!.name;
  const names = new Set(pools.map((pool) => pool.name));
  const matching = new WeakMap<V1Node, readonly string[]>();
  const rounds = new WeakMap<V1Node, RoundRecord>();
  const holders = new WeakMap<V1DaemonSet, ReadonlyMap<string, { pool: string; created: number }>>();

  const matches = (node: V1Node): readonly string[] => {
    let found = matching.get(node);
    if (!found) {
      const labels = node.metadata?.labels ?? {};
      found = named.filter((pool) => matchesLabelSelector(pool.nodeSelector, labels)).map((pool) => pool.name);
      matching.set(node, found);
    }
    return found;
  };
  const round = (node: V1Node): RoundRecord => {
    let found = rounds.get(node);
    if (!found) {
      const progress = parseProgress(node.metadata?.annotations?.[CONTROLLER.state]);
      const out = isOutOfService(progress);
      const pool = out ? progress?.pool : undefined;
      const ended = !out && (progress?.phase === 'done' || progress?.phase === 'failed') ? Date.parse(progress.since) : undefined;
      found = { pool: pool !== undefined && names.has(pool) ? pool : undefined, out, endedAt: ended };
      rounds.set(node, found);
    }
    return found;
  };
  /** node → the pool whose lock it holds a kreboot slot in (the first, in the pools' order), and since when. */
  const holding = (ds: V1DaemonSet): ReadonlyMap<string, { pool: string; created: number }> => {
    let found = holders.get(ds);
    if (!found) {
      const map = new Map<string, { pool: string; created: number }>();
      const annotations = ds.metadata?.annotations ?? {};
      for (const pool of pools)
        for (const holder of parseLock(annotations[pool.lockAnnotation])?.holders ?? [])
          if (holder.ours && !map.has(holder.nodeID))
            map.set(holder.nodeID, { pool: pool.name, created: holder.created ? Date.parse(holder.created) : Infinity });
      found = map;
      holders.set(ds, found);
    }
    return found;
  };

  return {
    of(node, ds) {
      const other = node.metadata?.annotations?.[INSTALL_ANNOTATION];
      const foreign = Boolean(install && other && other !== install);
      const record = foreign ? undefined : round(node);
      if (record?.pool !== undefined) return { pool: record.pool };
      // A slot taken no later than the node's round ended is that round's leftover, about to be
      // released: the node's next round goes by its labels, not by the pool it was in (seed 12183).
      // So is one whose start never cordoned, once older than a start takes (decide.ts): it would
      // otherwise start the node in the old pool long after a relabel (seed 31013).
      const held = ds ? holding(ds).get(node.metadata?.name ?? '') : undefined;
      const leftover =
        held !== undefined &&
        ((record?.endedAt !== undefined && held.created <= record.endedAt) ||
          (record?.out !== true && held.created < clock().getTime() - LEFTOVER_SLOT_MS));
      if (held !== undefined && !leftover) return { pool: held.pool };
      if (foreign && hasWork(node)) return { pool: undefined, conflict: [], install: other };
      const found = matches(node);
      if (found.length === 0) return { pool: fallback };
      if (found.length === 1) return { pool: found[0]! };
      return { pool: undefined, conflict: found };
    },
  };
}

/** What a node's own record says of its pool: the one it was cordoned in, while it is out; when its last round ended. */
interface RoundRecord {
  readonly pool: string | undefined;
  /** Out of service by its record (a slot it holds is never a leftover then). */
  readonly out: boolean;
  /** Epoch ms: when the node's last round ended (done or failed and given back). */
  readonly endedAt: number | undefined;
}

/** The reason shown for a node another install has work on. */
export function foreignInstallReason(install: string): string {
  return `another kreboot install (${install}) has work on this node: two installs cannot serve one node; uninstall one, or give each its own nodes (--node-selector and the agents' nodeSelector)`;
}

/** The reason shown for a node two pools select. */
export function conflictReason(pools: readonly string[]): string {
  return `the node matches the selectors of pools ${pools.map((pool) => `"${pool}"`).join(' and ')}: a node belongs to one pool; change its labels or the selectors`;
}
