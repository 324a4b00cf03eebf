// The drain's first write (ADR 0026). Before a pass evicts anything, ONE Node patch records that
// the node is draining — the policy's draining record, whose reason names the pods the pass is about
// to evict — and, with the workload gate on, what the drain disrupts (steps/remember-workloads.ts).
// Both are then on the Node before the first eviction, so a controller killed after an eviction
// still finds the drain and what it evicted; the draining record carries the node's
// resourceVersion (a node changed since the cycle read it is drained by the next pass instead).
// They used to be two writes, one before the evictions and one after them.
//
// A pass that finds the node draining already writes only what is new: a workload it had not seen
// (a pod that landed late), merged without a resourceVersion — it decides nothing, only that key
// is written, and a lost race merely rewrites it.

import type { V1Node } from '@kubernetes/client-node';
import type { EvictedWorkloads } from '../../store/evicted-workloads.ts';
import { drainingRecord } from '../policy/decide.ts';
import type { ObservedNode } from '../policy/observed-node.ts';
import { podName, terminationWait, type BeginDrain, type DrainStart } from './drain.ts';
import { drainingPatch, type NodePatch } from './node-patches.ts';
import { evictedWorkloadsAnnotation, type WorkloadMemory } from './remember-workloads.ts';

/**
 * The drain's write before its first eviction, or undefined when there is nothing to write (the
 * node is draining already and no new workload was seen, or nothing is to leave and nothing to record).
 */
export function drainStartPatch(
  node: V1Node,
  observed: ObservedNode,
  now: Date,
  start: Pick<DrainStart, 'leaving'>,
  evicted: EvictedWorkloads | undefined,
): NodePatch | undefined {
  const workloads = evicted ? evictedWorkloadsAnnotation(evicted) : {};
  if (observed.progress?.phase === 'cordoned' && start.leaving.length > 0) {
    const progress = drainingRecord(observed.progress, now, terminationWait(start.leaving.map(podName)));
    const patch = drainingPatch(node, observed, progress);
    return {
      ...patch,
      body: { ...patch.body, metadata: { ...patch.body.metadata, annotations: { ...patch.body.metadata.annotations, ...workloads } } },
    };
  }
  if (!evicted) return undefined;
  return { body: { metadata: { annotations: workloads } } };
}

/**
 * The `begin` of one pass on `node` as the cycle that started it saw it: computes the write, hands
 * it to `write` (the runner's Node write: own-writes, transitions, the 409 rule), and tells the
 * workload memory once the record has landed.
 */
export function beginDrain(
  deps: { readonly workloads?: WorkloadMemory; readonly write: (patch: NodePatch) => Promise<boolean> },
  node: V1Node,
  observed: ObservedNode,
  now: Date,
): BeginDrain {
  return async (start) => {
    const evicted = deps.workloads?.next(observed, start.pods);
    const patch = drainStartPatch(node, observed, now, start, evicted);
    if (!patch) return true;
    if (!(await deps.write(patch))) return false;
    if (evicted) deps.workloads!.wrote(observed.name, evicted);
    return true;
  };
}
