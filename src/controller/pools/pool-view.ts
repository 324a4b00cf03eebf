// One pool's view of the cluster: the shared watch-fed view, cut to the nodes that belong to the
// pool (membership.ts). Each pool's reconciler plans, counts slots and derives its halt from this
// view only, so pools go in parallel within their own limits. Starting and stopping belong to the
// shared view.

import type { ClusterView } from '../cluster/cluster-view.ts';
import type { PoolMembership } from './membership.ts';

export function poolView(base: ClusterView, membership: PoolMembership, pool: string): ClusterView {
  const mine = (node: Parameters<PoolMembership['of']>[0]) => membership.of(node, base.daemonSet()).pool === pool;
  return {
    nodes: () => base.nodes().filter(mine),
    node(name) {
      const node = base.node(name);
      return node && mine(node) ? node : undefined;
    },
    daemonSet: () => base.daemonSet(),
    synced: () => base.synced(),
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  };
}
