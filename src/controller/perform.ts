// The thin runner under decide(): the switch that performs one action against the cluster and
// reports what it found out (a fact) for the next decision; it never chooses a phase itself. Every
// Node write is optimistic (the cached resourceVersion); a 409 simply means "decide again on
// fresher data" and the watch brings that data, and each write's answer goes into the own-writes
// overlay (cluster/own-writes.ts) the cycle reads. What a step needs beyond one write lives in its
// own module: drain passes beside the cycle (steps/drain-runs.ts), slots and the rollout record's
// halt and recovery (lock/slot-keeper.ts: a slot is taken before a cordon and given back only after
// the node is restored or done), silences (steps/quiet-maintenance.ts), the Node write itself
// (steps/node-writer.ts), the patch bodies (steps/node-patches.ts) and hook Jobs (steps/hook-step.ts).

import type { V1Node } from '@kubernetes/client-node';
import type { NodeSilencer } from '../alertmanager/node-silencer.ts';
import type { Logger } from '../log/logger.ts';
import { isOutOfService, type NodeProgress } from '../store/node-progress.ts';
import type { HaltRecord } from '../store/rollout-record.ts';
import type { ClusterApi } from './cluster-api.ts';
import type { OwnWriteSink } from './cluster/own-writes.ts';
import type { RolloutStore } from './lock/rollout-store.ts';
import { createSlotKeeper, type SlotContext } from './lock/slot-keeper.ts';
import type { SlotSettings } from './lock/slots.ts';
import type { TransitionSinks } from './observe/transitions.ts';
import { HOOK_RECHECK_MS } from './policy/decide-hooks.ts';
import type { Action, PolicySettings, RunnerFact } from './policy/decide.ts';
import { observeNode, type ObservedNode } from './policy/observed-node.ts';
import type { Drainer } from './steps/drain.ts';
import { createDrainRuns } from './steps/drain-runs.ts';
import { beginDrain } from './steps/drain-start.ts';
import type { HookStep } from './steps/hook-step.ts';
import { createNodeWriter, type WriteCall } from './steps/node-writer.ts';
import { createQuietMaintenance } from './steps/quiet-maintenance.ts';
import type { WorkloadMemory } from './steps/remember-workloads.ts';
import {
  completePatch,
  disarmPatch,
  dispatchPatch,
  drainingPatch,
  failPatch,
  hookFinishPatch,
  hookStartPatch,
  rearmPatch,
  recordPatch,
  recoverPatch,
  requestCheckPatch,
  startPatch,
  verifyingPatch,
  type PatchSettings,
} from './steps/node-patches.ts';

export interface PerformerDeps {
  readonly api: ClusterApi;
  readonly rollout: RolloutStore;
  readonly drainer: Drainer;
  readonly sinks: TransitionSinks;
  readonly settings: PolicySettings &
    PatchSettings &
    SlotSettings & {
      /** With pools: a start refuses a record that shows a halt or a pause (docs/pools.md). */
      readonly checkRolloutOnStart?: boolean;
    };
  readonly log: Logger;
  /** kured's --lock-annotation on the lock DaemonSet. */
  readonly lockAnnotation: string;
  /**
   * Told each Node write with the API's answer, the newest state until the watch shows it
   * (cluster/own-writes.ts); a presumed one when the answer was lost.
   */
  readonly ownWrites: OwnWriteSink;
  /** Quiet maintenance (--alertmanager-url with --silence-matchers); undefined when off. */
  readonly silencer?: NodeSilencer;
  /** This install (`NAMESPACE/NAME` of the lock DaemonSet), named on every node it writes. */
  readonly install?: string;
  /** Wakes the work loop: a drain pass that ran beside the cycle has finished. */
  readonly wake: (reason: string) => void;
  /** The cycle's clock. */
  readonly clock: () => Date;
  /** Hook Jobs and the hook metric (ADR 0019); undefined: no hook Job can be created. */
  readonly hooks?: HookStep;
  /** The workload gate's record of what a drain disrupts (ADR 0018); undefined when the gate is off. */
  readonly workloads?: WorkloadMemory;
}

/** The cycle's view of who is out of service: their holders are never dropped from the lock. */
export type PerformContext = SlotContext;

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

const CONFLICT_RECHECK_MS = 1000;

export function createPerformer(deps: PerformerDeps) {
  const { api, sinks, settings, log } = deps;
  const drains = createDrainRuns({ drainer: deps.drainer, wake: deps.wake, clock: deps.clock });
  const slots = createSlotKeeper({ rollout: deps.rollout, settings, lockAnnotation: deps.lockAnnotation, log });
  const { ownWrites, wake, clock } = deps;
  const quiet = createQuietMaintenance({ api, silencer: deps.silencer, ownWrites, events: sinks.events, settings, wake, clock, log });
  const { write, writeSilenced } = createNodeWriter({
    api,
    ownWrites,
    sinks,
    quiet,
    log,
    ...(deps.install ? { install: deps.install } : {}),
  });

  /** A reboot job handed to the agent (`from`: the record carried on): the cycle looks again at its timeout. */
  async function dispatch(call: WriteCall, node: V1Node, observed: ObservedNode, attempts: number, from?: NodeProgress): Promise<Outcome> {
    const patch = dispatchPatch(node, observed, call.now, settings, attempts, from);
    if (await writeSilenced(call, node, observed, patch, 'dispatch'))
      return { requeueAt: new Date(call.now.getTime() + settings.rebootTimeoutMs) };
    return NOTHING;
  }

  return {
    async perform(action: Action, node: V1Node, observed: ObservedNode, context: PerformContext): Promise<Outcome> {
      const call: WriteCall = { conflicted: false, now: context.now };
      const expireAgainAt = quiet.expireEnded(observed);
      const outcome = await performAction(call, action, node, observed, context);
      const soon = call.conflicted ? new Date(context.now.getTime() + CONFLICT_RECHECK_MS) : undefined;
      const requeueAt = earliest(outcome.requeueAt, earliest(expireAgainAt, soon));
      return requeueAt === outcome.requeueAt ? outcome : { ...outcome, requeueAt };
    },
    /** Resolves when no drain pass or silence expiry runs (shutdown: the Lease is released only after). */
    async settled(): Promise<void> {
      await drains.settled();
      await quiet.settled();
    },
  };

  async function performAction(
    call: WriteCall,
    action: Action,
    node: V1Node,
    observed: ObservedNode,
    context: PerformContext,
  ): Promise<Outcome> {
    const { name } = observed;
    const { now } = context;
    switch (action.type) {
      case 'none':
        return action.requeueAt ? { requeueAt: action.requeueAt } : NOTHING;
      case 'record': {
        const patch =
          action.progress.phase === 'draining'
            ? drainingPatch(node, observed, action.progress)
            : recordPatch(node, action.progress, settings, action.clearRequest === true);
        await write(call, node, observed, patch);
        return action.requeueAt ? { requeueAt: action.requeueAt } : NOTHING;
      }
      case 'request-check':
        await write(call, node, observed, requestCheckPatch(node, now));
        return NOTHING;
      case 'start': {
        const taken = await slots.take(observed, context, false);
        if (!taken.acquired) return { fact: { type: 'no-slot', reason: taken.reason } };
        log.info({ node: name }, 'Acquired reboot lock'); // kured's text
        // A cordon lost to a 409 leaves a slot without a cordon: the next cycle either starts
        // again with it or, if a gate closed meanwhile, gives it back.
        const written = await writeSilenced(call, node, observed, startPatch(node, observed, now, settings, action.attempts), 'cordon');
        return { took: true, ...(written ? { requeueAt: new Date(now.getTime() + settings.drainDelayMs) } : {}) };
      }
      case 'reacquire': {
        // A reclaim takes a slot whatever the lock says: only for a node the API confirms is out.
        if (!isOutOfService(observeNode(await api.readNode(name)).progress))
          return { requeueAt: new Date(now.getTime() + CONFLICT_RECHECK_MS) };
        const taken = await slots.take(observed, context, true);
        if (taken.acquired) log.warn({ node: name }, 'a node kreboot has out of service had lost its slot; taken back');
        return NOTHING;
      }
      case 'drain':
        return drains.step(
          observed,
          now,
          // The pass's first write (before any eviction) is a Node write like the cycle's (ADR 0026).
          beginDrain(
            {
              ...(deps.workloads ? { workloads: deps.workloads } : {}),
              write: (patch) => write({ conflicted: false, now }, node, observed, patch),
            },
            node,
            observed,
            now,
          ),
        );
      case 'dispatch':
        return dispatch(call, node, observed, action.attempts);
      case 'verify':
        await write(call, node, observed, verifyingPatch(node, observed, now));
        return NOTHING;
      case 'recover': {
        // A halted node handed over for its remediation alert: the halt stays for the rest.
        if (observed.progress?.haltedRollout) await slots.keepHalt(haltOf(name, observed.progress));
        await slots.keepRecovering(name, action.progress);
        if (action.step === 'retry') return dispatch(call, node, observed, action.attempts, action.progress);
        if (!(await write(call, node, observed, recoverPatch(node, observed, action.progress, settings)))) return NOTHING;
        // People must hear that a node is out of kreboot's hands (the record says it; a chat says it too).
        if (action.step === 'handoff') sinks.notify({ kind: 'reboot-failed', node: name, reason: action.progress.reason });
        return { requeueAt: new Date(Date.parse(action.progress.recovery!.until)) };
      }
      case 'remediate-halted': {
        // The halt is kept on the rollout record before the node stops showing it.
        if (observed.progress) await slots.keepHalt(haltOf(name, observed.progress));
        return dispatch(call, node, observed, action.attempts, action.progress);
      }
      case 'rearm':
        await write(call, node, observed, rearmPatch(node, action.progress));
        return NOTHING;
      case 'disarm':
        await write(call, node, observed, disarmPatch(node, action.hook === true));
        return NOTHING;
      case 'hook-start': {
        // Recorded first: a run whose Job exists always has a record that explains it (ADR 0019).
        if (!(await write(call, node, observed, hookStartPatch(node, observed, action.run, action.progress, action.notAfter))))
          return NOTHING;
        await deps.hooks?.start(action.run, name);
        return { requeueAt: action.run.kind === 'job' ? new Date(now.getTime() + HOOK_RECHECK_MS) : action.notAfter };
      }
      case 'hook-check': {
        const fact: RunnerFact = deps.hooks
          ? await deps.hooks.check(action.run, name, now)
          : { type: 'hook-job', name: action.run.name, state: 'failed', message: 'hook Jobs are not configured in this controller' };
        return { fact };
      }
      case 'hook-finish':
        if (await write(call, node, observed, hookFinishPatch(node, observed, action.run, action.progress)))
          deps.hooks?.observe(action.run);
        return { requeueAt: now };
      case 'complete':
        if (!(await write(call, node, observed, completePatch(node, observed, now, settings)))) return NOTHING;
        // The policy decided whether the slot goes now or after --lock-release-delay (decide.ts).
        if (!action.releaseSlot) return action.requeueAt ? { requeueAt: action.requeueAt } : NOTHING;
        await slots.release(name, withoutNode(context, name), roundStart(observed));
        return { released: true };
      case 'release': {
        // Decided on the view, which may lag behind this node's own cordon (another replica,
        // a slow watch): the API's copy must agree before a slot goes.
        const fresh = observeNode(await api.readNode(name));
        // The view lags: look again soon, on the copy the watch will have brought by then.
        if (isOutOfService(fresh.progress)) return { requeueAt: new Date(now.getTime() + CONFLICT_RECHECK_MS) };
        await slots.release(name, context, action.takenNoLaterThan);
        return { released: true, ...(action.requeueAt ? { requeueAt: action.requeueAt } : {}) };
      }
      case 'fail': {
        // A halt is kept on the rollout record before the node's failure is written: written after,
        // a node deleted in between (its answer lost, then an autoscaler removing it) took the halt
        // with it (found by the simulation, seed 8950).
        const halt = action.halt || action.holdRollout ? { at: now.toISOString(), node: name, reason: action.reason } : undefined;
        const kept = halt ? await slots.keepHalt(halt) : false;
        if (!(await write(call, node, observed, failPatch(node, observed, now, action, settings)))) {
          // The node changed under the decision (not deleted: a deleted node's halt stays): the
          // next cycle decides again, so the halt written for this decision goes.
          if (halt && kept && !call.gone) await slots.dropHalt(halt);
          return NOTHING;
        }
        if (halt) sinks.notify({ kind: 'halted', node: name, reason: action.reason });
        if (action.hook) {
          deps.hooks?.observe(action.hook);
          if (action.hook.outcome === 'timed-out') await deps.hooks?.stop(action.hook);
        }
        // Restored (uncordoned) in the write above: only now may the slot go. If this release is
        // lost, the next cycle sees a restored failed node holding a slot and releases it.
        if (!action.restore) return NOTHING;
        await slots.release(name, withoutNode(context, name), roundStart(observed));
        return { released: true, ...(action.retryAt ? { requeueAt: action.retryAt } : {}) };
      }
    }
  }
}

function haltOf(node: string, progress: NodeProgress): HaltRecord {
  return { at: progress.since, node, reason: progress.reason };
}

function earliest(a: Date | undefined, b: Date | undefined): Date | undefined {
  return a === undefined ? b : b === undefined || a <= b ? a : b;
}

/** When the round being finished took its slot (the cordon's record carries it). */
function roundStart(observed: ObservedNode): string | undefined {
  return observed.progress?.startedAt ?? observed.progress?.since;
}

/** The node just written as restored or done is no longer out of service for this release. */
function withoutNode(context: PerformContext, name: string): PerformContext {
  if (!context.outOfService.has(name)) return context;
  const rest = new Set(context.outOfService);
  rest.delete(name);
  return { ...context, outOfService: rest };
}

export type Performer = ReturnType<typeof createPerformer>;
