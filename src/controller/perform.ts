// The thin runner under decide(): performs one action against the cluster. Every Node write is
// optimistic (the cached resourceVersion); a 409 simply means "decide again on fresher data" and
// the watch brings that data. Slots are taken before a cordon and given back after an uncordon, so
// the lock always covers every node kreboot has cordoned.

import type { CoreV1Api, V1Node } from '@kubernetes/client-node';
import type { Logger } from '../log/logger.ts';
import { MERGE_PATCH, apiErrorMessage, isConflict, isNotFound } from '../kube/patch.ts';
import { HALTED_ANNOTATION } from './lock/rollout-record.ts';
import type { RolloutStore } from './lock/rollout-store.ts';
import { acquire, release, type AcquireResult, type SlotSettings } from './lock/slots.ts';
import { announceTransition, type TransitionSinks } from './observe/transitions.ts';
import type { Action, PolicySettings } from './policy/decide.ts';
import type { ObservedNode } from './policy/observed-node.ts';
import type { Drainer } from './steps/drain.ts';
import {
  completePatch,
  dispatchPatch,
  drainingPatch,
  failPatch,
  recordPatch,
  requestCheckPatch,
  startPatch,
  verifyingPatch,
  type NodePatch,
  type PatchSettings,
} from './steps/node-patches.ts';

export interface PerformerDeps {
  readonly core: CoreV1Api;
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

export interface Outcome {
  readonly requeueAt?: Date;
  /** For 'start': whether a slot was taken (false: none free, or the rollout is held by a foreign holder). */
  readonly started?: boolean;
}

const DRAIN_RECHECK_MS = 1000;
const DRAIN_BLOCKED_RECHECK_MS = 5000;

export function createPerformer(deps: PerformerDeps) {
  const { core, rollout, drainer, sinks, settings, log } = deps;
  const lockKey = deps.lockAnnotation;

  async function write(node: V1Node, observed: ObservedNode, patch: NodePatch): Promise<boolean> {
    const name = observed.name;
    try {
      await core.patchNode({ name, body: patch.body }, MERGE_PATCH);
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

  async function releaseSlot(name: string, now: Date): Promise<void> {
    await rollout.update((record) => {
      if (!record.lock) return { result: undefined };
      // Gives back this node's slot (and expired holders); holders of deleted nodes are the
      // cycle's housekeeping, which asks the API server first.
      const value = release(record.lock, new Set([name]), () => true, settings, now);
      return value === undefined ? { result: undefined } : { changes: { [lockKey]: value }, result: undefined };
    });
  }

  async function halt(name: string, reason: string, now: Date): Promise<void> {
    await rollout.update(() => ({ changes: { [HALTED_ANNOTATION]: JSON.stringify({ at: now.toISOString(), node: name, reason }) }, result: undefined }));
    sinks.notify({ kind: 'halted', node: name, reason });
  }

  return {
    async perform(action: Action, node: V1Node, observed: ObservedNode, now: Date): Promise<Outcome> {
      const name = observed.name;
      switch (action.type) {
        case 'none':
          return action.requeueAt ? { requeueAt: action.requeueAt } : {};
        case 'record':
          await write(node, observed, recordPatch(node, action.progress, settings, action.clearRequest === true));
          return action.requeueAt ? { requeueAt: action.requeueAt } : {};
        case 'request-check':
          await write(node, observed, requestCheckPatch(node, now));
          return {};
        case 'start': {
          const taken = await rollout.update<AcquireResult>((record) => {
            if (!record.lock) return { result: { acquired: false, reason: 'the lock annotation is unreadable' } };
            const result = acquire(record.lock, name, observed.unschedulable, settings, now);
            return result.acquired ? { changes: { [lockKey]: result.value }, result } : { result };
          });
          if (!taken.acquired) {
            await write(node, observed, recordPatch(node, { phase: 'queued', since: observed.progress?.phase === 'queued' ? observed.progress.since : now.toISOString(), reason: taken.reason }, settings, false));
            return { started: false };
          }
          const written = await write(node, observed, startPatch(node, observed, now, settings));
          return { started: written, requeueAt: new Date(now.getTime() + settings.drainDelayMs) };
        }
        case 'drain': {
          const pass = await drainer.pass(name, now).catch((error: unknown) => ({
            done: false,
            evicted: 0,
            blockedByBudget: [] as string[],
            reason: `drain error, retrying: ${error instanceof Error ? error.message : apiErrorMessage(error)}`,
          }));
          if (pass.done) return this.perform({ type: 'dispatch' }, node, observed, now);
          const stored = observed.progress;
          // Persist the reason only when its kind changes (PDB-blocked, terminating, error), not on
          // every pass: status stays truthful without a write per second.
          const kind = (text: string) => text.split(':')[0];
          if (stored?.phase !== 'draining' || kind(stored.reason) !== kind(pass.reason)) {
            await write(node, observed, drainingPatch(node, observed, stored?.phase === 'draining' ? new Date(stored.since) : now, pass.reason));
          }
          return { requeueAt: new Date(now.getTime() + (pass.blockedByBudget.length > 0 ? DRAIN_BLOCKED_RECHECK_MS : DRAIN_RECHECK_MS)) };
        }
        case 'dispatch':
          await write(node, observed, dispatchPatch(node, observed, now));
          return { requeueAt: new Date(now.getTime() + settings.rebootTimeoutMs) };
        case 'verify':
          await write(node, observed, verifyingPatch(node, observed, now));
          return {};
        case 'complete':
          if (await write(node, observed, completePatch(node, observed, now, settings))) {
            if (settings.lockReleaseDelayMs <= 0) await releaseSlot(name, now);
            else return { requeueAt: new Date(now.getTime() + settings.lockReleaseDelayMs) };
          }
          return {};
        case 'release':
          await releaseSlot(name, now);
          return {};
        case 'fail': {
          const written = await write(node, observed, failPatch(node, observed, now, action, settings));
          if (!written) return {};
          if (action.restore) await releaseSlot(name, now);
          if (action.halt) await halt(name, action.reason, now);
          return action.retryAt ? { requeueAt: action.retryAt } : {};
        }
      }
    },
  };
}

export type Performer = ReturnType<typeof createPerformer>;
