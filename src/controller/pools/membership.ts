// Which pool a node belongs to. A node in the middle of a reboot stays in the pool whose lock it
// holds a slot in, whatever happens to its labels meanwhile: relabelled mid-reboot, it would
// otherwise count against a second pool's limit while the first still held its slot. Otherwise the
// one pool whose selector matches it; none: the default pool. A node that two pools' selectors
// match belongs to neither: it is held, with a reason naming both, until its labels or the
// selectors change (docs/pools.md). Pure, and cached per Node and DaemonSet object (the watch
// never changes them in place) so that every pool's view of every cycle costs a lookup per node.

import type { V1DaemonSet, V1Node } from '@kubernetes/client-node';
import { matchesLabelSelector } from '../../kube/label-selector.ts';
import { parseLock } from '../../store/lock-record.ts';
import { CONTROLLER, INSTALL_ANNOTATION } from '../../store/keys.ts';
import { parseProgress } from '../../store/node-progress.ts';
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

export function createMembership(pools: readonly PoolSpec[], install?: string): PoolMembership {
  const [first, ...named] = pools;
  const fallback = first!.name;
  const matching = new WeakMap<V1Node, readonly string[]>();
  const holders = new WeakMap<V1DaemonSet, ReadonlyMap<string, string>>();

  const matches = (node: V1Node): readonly string[] => {
    let found = matching.get(node);
    if (!found) {
      const labels = node.metadata?.labels ?? {};
      found = named.filter((pool) => matchesLabelSelector(pool.nodeSelector, labels)).map((pool) => pool.name);
      matching.set(node, found);
    }
    return found;
  };
  /** node → the pool whose lock it holds a kreboot slot in (the first, in the pools' order). */
  const holding = (ds: V1DaemonSet): ReadonlyMap<string, string> => {
    let found = holders.get(ds);
    if (!found) {
      const map = new Map<string, string>();
      const annotations = ds.metadata?.annotations ?? {};
      for (const pool of pools)
        for (const holder of parseLock(annotations[pool.lockAnnotation])?.holders ?? [])
          if (holder.ours && !map.has(holder.nodeID)) map.set(holder.nodeID, pool.name);
      found = map;
      holders.set(ds, found);
    }
    return found;
  };

  return {
    of(node, ds) {
      const held = ds ? holding(ds).get(node.metadata?.name ?? '') : undefined;
      if (held !== undefined) return { pool: held };
      const other = node.metadata?.annotations?.[INSTALL_ANNOTATION];
      if (install && other && other !== install && hasWork(node)) return { pool: undefined, conflict: [], install: other };
      const found = matches(node);
      if (found.length === 0) return { pool: fallback };
      if (found.length === 1) return { pool: found[0]! };
      return { pool: undefined, conflict: found };
    },
  };
}

/** The reason shown for a node another install has work on. */
export function foreignInstallReason(install: string): string {
  return `another kreboot install (${install}) has work on this node: two installs cannot serve one node; uninstall one, or give each its own nodes (--node-selector and the agents' nodeSelector)`;
}

/** The reason shown for a node two pools select. */
export function conflictReason(pools: readonly string[]): string {
  return `the node matches the selectors of pools ${pools.map((pool) => `"${pool}"`).join(' and ')}: a node belongs to one pool; change its labels or the selectors`;
}
