// The thin runner under decide(): performs one action against the cluster and reports what it
// found out (a fact) for the next decision; it never chooses a phase itself. Every Node write is
// optimistic (the cached resourceVersion); a 409 simply means "decide again on fresher data" and
// the watch brings that data. Slots are taken before a cordon and given back only after the node
// is restored or done, so the lock always covers every node kreboot has out of service.

import type { V1Node } from '@kubernetes/client-node';
import type { Logger } from '../log/logger.ts';
import { apiErrorMessage, isConflict, isNotFound } from '../kube/patch.ts';
import type { ClusterApi } from './cluster-api.ts';
import type { RolloutStore } from './lock/rollout-store.ts';
import { acquire, release, type AcquireResult, type SlotSettings } from './lock/slots.ts';
import { announceTransition, type TransitionSinks } from './observe/transitions.ts';
import type { Action, PolicySettings, RunnerFact } from './policy/decide.ts';
import type { ObservedNode } from './policy/observed-node.ts';
import type { Drainer } from './steps/drain.ts';
import {
  completePatch,
  disarmPatch,
  dispatchPatch,
  drainingPatch,
  failPatch,
  rearmPatch,
  recordPatch,
  requestCheckPatch,
  startPatch,
  verifyingPatch,
  type NodePatch,
  type PatchSettings,
} from './steps/node-patches.ts';

export interface PerformerDeps {
  readonly api: ClusterApi;
  readonly rollout: RolloutStore;
  readonly drainer: Drainer;
  readonly sinks: TransitionSinks;
  readonly settings: PolicySettings & PatchSettings & SlotSettings;
  readonly log: Logger;
  /** kured's --lock-annotation on the lock DaemonSet. */
  readonly lockAnnotation: string;
  /** Called after each Node write, so the cycle skips the node until the watch shows the write. */
  readonly wrote: (node: string, fromResourceVersion: string | undefined) => void;
}

/** The cycle's view of who is out of service: their holders are never dropped from the lock. */
export interface PerformContext {
  readonly now: Date;
  readonly outOfService: ReadonlySet<string>;
}

export interface Outcome {
  readonly requeueAt?: Date;
  /** What the runner found out, for a second decision on the same node in this cycle. */
  readonly fact?: RunnerFact;
  /** A slot was taken for the node. */
  readonly took?: boolean;
  /** The node's slot was given back. */
  readonly released?: boolean;
}

const NOTHING: Outcome = {};

export function createPerformer(deps: PerformerDeps) {
  const { api, rollout, drainer, sinks, settings, log } = deps;
  const lockKey = deps.lockAnnotation;

  async function write(node: V1Node, observed: ObservedNode, patch: NodePatch): Promise<boolean> {
    const name = observed.name;
    try {
      await api.patchNode(name, patch.body);
    } catch (error) {
      if (isConflict(error) || isNotFound(error)) {
        log.debug({ node: name }, 'node changed while deciding; deciding again');
        return false;
      }
      throw error;
    }
    deps.wrote(name, node.metadata?.resourceVersion);
    if (patch.progress) announceTransition(sinks, node, observed.progress, patch.progress);
    return true;
  }

  async function releaseSlot(name: string, context: PerformContext): Promise<void> {
    await rollout.update((record) => {
      if (!record.lock) return { result: undefined };
      // Gives back this node's slot (and expired holders); holders of deleted nodes are the
      // cycle's housekeeping, which asks the API server first.
      const value = release(record.lock, new Set([name]), () => true, settings, context.now, context.outOfService);
      return value === undefined ? { result: undefined } : { changes: { [lockKey]: value }, result: undefined };
    });
  }

  async function takeSlot(observed: ObservedNode, context: PerformContext, reclaim: boolean): Promise<AcquireResult> {
    return rollout.update<AcquireResult>((record) => {
      if (!record.lock) return { result: { acquired: false, reason: 'the lock annotation is unreadable' } };
      const result = acquire(record.lock, observed.name, observed.unschedulable, settings, context.now, context.outOfService, reclaim);
      return result.acquired ? { changes: { [lockKey]: result.value }, result } : { result };
    });
  }

  return {
    async perform(action: Action, node: V1Node, observed: ObservedNode, context: PerformContext): Promise<Outcome> {
      const { name } = observed;
      const { now } = context;
      switch (action.type) {
        case 'none':
          return action.requeueAt ? { requeueAt: action.requeueAt } : NOTHING;
        case 'record': {
          const patch = action.progress.phase === 'draining' ? drainingPatch(node, observed, action.progress) : recordPatch(node, action.progress, settings, action.clearRequest === true);
          await write(node, observed, patch);
          return action.requeueAt ? { requeueAt: action.requeueAt } : NOTHING;
        }
        case 'request-check':
          await write(node, observed, requestCheckPatch(node, now));
          return NOTHING;
        case 'start': {
          const taken = await takeSlot(observed, context, false);
          if (!taken.acquired) return { fact: { type: 'no-slot', reason: taken.reason } };
          // A cordon lost to a 409 leaves a slot without a cordon: the next cycle either starts
          // again with it or, if a gate closed meanwhile, gives it back.
          const written = await write(node, observed, startPatch(node, observed, now, settings));
          return { took: true, ...(written ? { requeueAt: new Date(now.getTime() + settings.drainDelayMs) } : {}) };
        }
        case 'reacquire': {
          const taken = await takeSlot(observed, context, true);
          if (taken.acquired) log.warn({ node: name }, 'a node kreboot has out of service had lost its slot; taken back');
          return NOTHING;
        }
        case 'drain': {
          const pass = await drainer.pass(name, now).catch((error: unknown) => ({
            done: false,
            evicted: 0,
            blockedByBudget: [] as string[],
            reason: `drain error, retrying: ${error instanceof Error ? error.message : apiErrorMessage(error)}`,
          }));
          if (pass.done) return { fact: { type: 'drained' } };
          return { fact: { type: 'drain-waiting', reason: pass.reason, blockedByBudget: pass.blockedByBudget.length > 0 } };
        }
        case 'dispatch':
          if (await write(node, observed, dispatchPatch(node, observed, now, settings))) return { requeueAt: new Date(now.getTime() + settings.rebootTimeoutMs) };
          return NOTHING;
        case 'verify':
          await write(node, observed, verifyingPatch(node, observed, now));
          return NOTHING;
        case 'rearm':
          await write(node, observed, rearmPatch(node, action.progress));
          return NOTHING;
        case 'disarm':
          await write(node, observed, disarmPatch(node));
          return NOTHING;
        case 'complete':
          if (!(await write(node, observed, completePatch(node, observed, now, settings)))) return NOTHING;
          if (settings.lockReleaseDelayMs > 0) return { requeueAt: new Date(now.getTime() + settings.lockReleaseDelayMs) };
          await releaseSlot(name, withoutNode(context, name));
          return { released: true };
        case 'release':
          await releaseSlot(name, context);
          return { released: true };
        case 'fail': {
          if (!(await write(node, observed, failPatch(node, observed, now, action, settings)))) return NOTHING;
          if (action.halt) sinks.notify({ kind: 'halted', node: name, reason: action.reason });
          // Restored (uncordoned) in the write above: only now may the slot go. If this release is
          // lost, the next cycle sees a restored failed node holding a slot and releases it.
          if (!action.restore) return NOTHING;
          await releaseSlot(name, withoutNode(context, name));
          return { released: true, ...(action.retryAt ? { requeueAt: action.retryAt } : {}) };
        }
      }
    },
  };
}

/** The node just written as restored or done is no longer out of service for this release. */
function withoutNode(context: PerformContext, name: string): PerformContext {
  if (!context.outOfService.has(name)) return context;
  const rest = new Set(context.outOfService);
  rest.delete(name);
  return { ...context, outOfService: rest };
}

export type Performer = ReturnType<typeof createPerformer>;
