// The pools in the status (docs/pools.md): each pool's selector, limits, window, trigger, lock and
// what it has in flight and queued; each node's pool; and the nodes two pools select, shown as
// waiting with the reason that holds them. Without a pools file the status is left as it was.

import type { PoolConflict, PoolRuntime } from '../decision-core.ts';
import type { NodeStatus, Status } from './status.ts';
import { isOutOfService } from '../../store/node-progress.ts';

function windowText(runtime: PoolRuntime): string | null {
  const { spec } = runtime;
  if (!spec.ownWindow) return null;
  const w = spec.window;
  const kured = `${w.rebootDays.join(',')} ${w.startTime}–${w.endTime} ${w.timeZone}`;
  return w.maintenanceWindows.length > 0 ? `${kured}; ${w.maintenanceWindows.join('; ')}` : kured;
}

export function withPools(status: Status, runtimes: readonly PoolRuntime[], conflicts: readonly PoolConflict[]): Status {
  if (runtimes.length <= 1 && conflicts.length === 0) return status;
  const poolOf = new Map<string, string>();
  const pools = runtimes.map((runtime) => {
    const observed = runtime.reconciler.observed();
    for (const node of observed) poolOf.set(node.name, runtime.spec.name);
    return {
      name: runtime.spec.name,
      nodeSelector: runtime.spec.nodeSelector,
      concurrency: runtime.spec.concurrency,
      maxUnavailablePerZone: runtime.spec.topology.maxUnavailablePerZone,
      trigger: runtime.spec.trigger,
      window: windowText(runtime),
      lockAnnotation: runtime.spec.lockAnnotation,
      members: observed.length,
      inFlight: observed.filter((node) => isOutOfService(node.progress)).map((node) => node.name),
      queue: runtime.reconciler.queue(),
    };
  });
  const held: NodeStatus[] = conflicts.map((conflict) => ({
    name: conflict.node,
    phase: 'waiting',
    reason: conflict.reason,
    since: undefined,
    request: undefined,
    rebootRequired: undefined,
    ready: true,
    unschedulable: false,
    attempts: undefined,
  }));
  const shown = new Set(status.nodes.map((node) => node.name));
  const nodes = [
    ...status.nodes.map((node) => (poolOf.has(node.name) ? { ...node, pool: poolOf.get(node.name)! } : node)),
    ...held.filter((node) => !shown.has(node.name)),
  ].sort((a, b) => a.name.localeCompare(b.name));
  return {
    ...status,
    nodes,
    nodesTotal: status.nodesTotal + held.length,
    progress: { ...status.progress, waiting: status.progress.waiting + held.length },
    ...(runtimes.length > 1 ? { pools } : {}),
    conflicts: conflicts.map((conflict) => ({
      node: conflict.node,
      pools: conflict.pools,
      ...(conflict.install ? { install: conflict.install } : {}),
      reason: conflict.reason,
    })),
  };
}
