// The thin runner under decide(): performs one action against the cluster and reports what it
// found out (a fact) for the next decision; it never chooses a phase itself. Every Node write is
// optimistic (the cached resourceVersion); a 409 simply means "decide again on fresher data" and
// the watch brings that data. Slots are taken before a cordon and given back only after the node
// is restored or done, so the lock always covers every node kreboot has out of service.

import type { V1Node } from '@kubernetes/client-node';
import type { NodeSilencer } from '../alertmanager/node-silencer.ts';
import { silenceEnd } from '../alertmanager/silence-end.ts';
import { createSilenceExpiry, MAX_EXPIRY_ATTEMPTS } from '../alertmanager/silence-expiry.ts';
import { silencesAnnotation } from '../store/silence-record.ts';
import type { Logger } from '../log/logger.ts';
import type { AnnotationChanges } from '../kube/annotations.ts';
import { apiErrorMessage, isConflict, isNotFound } from '../kube/api-errors.ts';
import { applyMergePatch } from '../kube/patch.ts';
import type { ClusterApi } from './cluster-api.ts';
import type { OwnWriteSink } from './cluster/own-writes.ts';
import type { RolloutStore } from './lock/rollout-store.ts';
import { keepHalt } from './lock/halt-record.ts';
import { rolloutHold } from './policy/rollout-hold.ts';
import { acquire, release, type AcquireResult, type SlotSettings } from './lock/slots.ts';
import { announceTransition, type TransitionSinks } from './observe/transitions.ts';
import { silencesToExpire, type Action, type PolicySettings, type RunnerFact } from './policy/decide.ts';
import { observeNode, type ObservedNode } from './policy/observed-node.ts';
import { isInFlight, isOutOfService, type NodeProgress } from '../store/node-progress.ts';
import { HALTED_ANNOTATION, INSTALL_ANNOTATION, RECOVERING_ANNOTATION } from '../store/keys.ts';
import { recoveringRecord } from './policy/recovery.ts';
import type { HaltRecord } from '../store/rollout-record.ts';
import type { Drainer } from './steps/drain.ts';
import type { HookStep } from './steps/hook-step.ts';
import { HOOK_RECHECK_MS } from './policy/decide-hooks.ts';
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
  type NodePatch,
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
}

/**
 * A drain pass running beside the decision cycle, and its outcome once it has one. A pass makes
 * one eviction per pod (seconds on a busy API server, for a node of many pods); run inside the
 * cycle it held every other node's decision that long (issue 14 measured cycles of 10–30 s).
 */
interface DrainRun {
  /** The round it drains (progress.startedAt): an outcome is never carried into another round. */
  readonly round: string | undefined;
  readonly startedAt: number;
  fact?: RunnerFact;
  finishedAt?: number;
  /** Its outcome was handed to the policy: the next pass waits for DRAIN_PASS_INTERVAL_MS. */
  used?: boolean;
}

/** A finished pass's outcome is used only this long: later, the node is looked at again. */
const DRAIN_OUTCOME_FRESH_MS = 10_000;
/** A pass still running after this (an API call that hangs) is left behind and a new one starts. */
const DRAIN_PASS_STALL_MS = 120_000;
/**
 * Passes on one node are at least this far apart. Every pass's end wakes the loop, and every cycle
 * asks each draining node for its next step: unpaced, two draining nodes kept each other's passes
 * going without pause (found by the simulation).
 */
const DRAIN_PASS_INTERVAL_MS = 1000;

/** The cycle's view of who is out of service: their holders are never dropped from the lock. */
export interface PerformContext {
  readonly now: Date;
  readonly outOfService: ReadonlySet<string>;
  /**
   * Whether the node's zone has room beside the given holders of our slots (the lock as it is when
   * the slot is written, perhaps newer than the cycle's): the reason when it has not.
   */
  readonly zoneFull?: (node: ObservedNode, holders: readonly string[]) => string | undefined;
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

/** What a silencing did: the record to write with the step, and what to undo if that write fails. */
interface Silenced {
  readonly annotations: AnnotationChanges;
  /** IDs made by this call that the node does not record yet. */
  readonly created: readonly string[];
  /** The call failed: it may have made or extended silences all the same. */
  readonly uncertain: boolean;
}

/** One perform() call's own state. */
interface Call {
  conflicted: boolean;
  /** The node's write found no Node: it was deleted meanwhile. */
  gone?: boolean;
}
const CONFLICT_RECHECK_MS = 1000;

export function createPerformer(deps: PerformerDeps) {
  const { api, rollout, drainer, sinks, settings, log } = deps;
  const lockKey = deps.lockAnnotation;

  const drains = new Map<string, DrainRun>();
  const running = new Set<Promise<void>>();

  /** Removes expired (or given-up) silence IDs from the node's record, unless a new reboot has begun. */
  async function forgetSilences(name: string, ids: readonly string[], gaveUp?: string): Promise<void> {
    let fresh: V1Node;
    try {
      fresh = await api.readNode(name);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    const observed = observeNode(fresh);
    if (isInFlight(observed.progress)) return;
    const recorded = observed.silences ?? [];
    const remaining = recorded.filter((id) => !ids.includes(id));
    if (remaining.length === recorded.length) return;
    const from = fresh.metadata?.resourceVersion;
    const written = await api.patchNode(name, { metadata: { resourceVersion: from, annotations: silencesAnnotation(remaining) } });
    deps.ownWrites.wrote(name, from, written);
    if (gaveUp === undefined) {
      log.info({ node: name, silences: ids }, 'silence record removed');
      return;
    }
    log.warn(
      { node: name, silences: ids, reason: gaveUp },
      'gave up expiring the silences of a node; they end by themselves at their bound',
    );
    sinks.events.record(
      written,
      observed.progress?.phase ?? 'done',
      `could not expire the node's Alertmanager silences after ${MAX_EXPIRY_ATTEMPTS} attempts (${gaveUp}); they end by themselves at their bound`,
      true,
    );
  }

  /** Quiet maintenance's end, beside the cycle: never holds a node (issue 26). */
  const expiry = deps.silencer
    ? createSilenceExpiry({ silencer: deps.silencer, forget: forgetSilences, wake: deps.wake, clock: deps.clock, log })
    : undefined;

  /**
   * The drain step: the outcome of a pass that finished for this round, or a new pass started
   * beside the cycle (its end wakes the loop), or nothing while one runs.
   */
  function drainStep(name: string, observed: ObservedNode, now: Date): Outcome {
    const round = observed.progress?.startedAt;
    const run = drains.get(name);
    if (run && run.round === round && run.finishedAt === undefined && now.getTime() - run.startedAt < DRAIN_PASS_STALL_MS) {
      return { requeueAt: new Date(run.startedAt + DRAIN_PASS_STALL_MS) };
    }
    if (run && run.round === round && run.finishedAt !== undefined) {
      const since = now.getTime() - run.finishedAt;
      if (!run.used && since <= DRAIN_OUTCOME_FRESH_MS) {
        run.used = true;
        return { fact: run.fact! };
      }
      if (since < DRAIN_PASS_INTERVAL_MS) return { requeueAt: new Date(run.finishedAt + DRAIN_PASS_INTERVAL_MS) };
    }
    const started: DrainRun = { round, startedAt: now.getTime() };
    drains.set(name, started);
    const pass = drainer
      .pass(name, now)
      .catch((error: unknown) => ({
        done: false,
        evicted: 0,
        blockedByBudget: [] as string[],
        reason: `drain error, retrying: ${error instanceof Error ? error.message : apiErrorMessage(error)}`,
      }))
      .then((result) => {
        started.fact = result.done
          ? { type: 'drained' }
          : { type: 'drain-waiting', reason: result.reason, blockedByBudget: result.blockedByBudget.length > 0 };
        // Stamped by the clock the cycle reads (the simulation's is virtual).
        started.finishedAt = deps.clock().getTime();
        deps.wake(`drain pass of ${name} finished`);
      })
      .finally(() => running.delete(pass));
    running.add(pass);
    return NOTHING;
  }

  /**
   * Writes a Node patch. A write lost to a 409 marks its call `conflicted`: the cycle comes back
   * soon, since the change that won may not wake it. Per call, as calls for several nodes overlap.
   */
  /** Every write names this install on the node, unless the node names it already (two installs). */
  const claimed = (node: V1Node, patch: NodePatch): NodePatch =>
    deps.install && node.metadata?.annotations?.[INSTALL_ANNOTATION] !== deps.install
      ? withAnnotations(patch, { [INSTALL_ANNOTATION]: deps.install })
      : patch;

  async function write(call: Call, node: V1Node, observed: ObservedNode, patch: NodePatch): Promise<boolean> {
    const name = observed.name;
    let written: V1Node;
    try {
      written = await api.patchNode(name, claimed(node, patch).body);
    } catch (error) {
      if (isConflict(error) || isNotFound(error)) {
        log.debug({ node: name }, 'node changed while deciding; deciding again');
        call.conflicted = true;
        call.gone = isNotFound(error);
        return false;
      }
      // Any other failure (a timeout, a reset connection, a 5xx) leaves the outcome unknown: the
      // write may have landed. One that takes the node out of service is taken as landed, for the
      // caps only, until the watch says otherwise (own-writes.ts); were it taken as lost,
      // another node could start before the watch shows this one cordoned (found by the
      // simulation, seeds 10939 and 20148, with the lock's holders lost at the same time).
      if (isOutOfService(patch.progress) && !isOutOfService(observed.progress))
        deps.ownWrites.wrote(name, node.metadata?.resourceVersion, applyMergePatch(node, patch.body), true);
      throw error;
    }
    deps.ownWrites.wrote(name, node.metadata?.resourceVersion, written);
    if (patch.progress) announceTransition(sinks, node, observed.progress, patch.progress);
    return true;
  }

  /** Keeps `halt` on the rollout record (unless one is kept already); true when this call wrote it. */
  async function keepHaltRecord(halt: HaltRecord): Promise<boolean> {
    return rollout.update((fresh) => {
      const changes = keepHalt(halt, fresh);
      return changes ? { changes, result: true } : { result: false };
    });
  }

  /** Takes back a halt this runner kept, if the record still holds exactly that one. */
  async function dropHaltRecord(halt: HaltRecord): Promise<void> {
    await rollout.update((fresh) => {
      const same = fresh.halted?.node === halt.node && fresh.halted.at === halt.at;
      return same ? { changes: { [HALTED_ANNOTATION]: null }, result: undefined } : { result: undefined };
    });
  }

  /**
   * Keeps the node's recovery on the rollout record before the node's write (as the halt is): a
   * node-repair controller that deletes the node must not take the rollout's wait with it.
   */
  async function keepRecovering(name: string, progress: NodeProgress): Promise<void> {
    const record = recoveringRecord(name, progress);
    await rollout.update((fresh) => {
      const others = (fresh.recovering ?? []).filter((kept) => kept.node !== name);
      return { changes: { [RECOVERING_ANNOTATION]: JSON.stringify([...others, record]) }, result: undefined };
    });
  }

  async function releaseSlot(name: string, context: PerformContext, takenNoLaterThan: string | undefined): Promise<void> {
    const released = await rollout.update((record) => {
      if (!record.lock) return { result: false };
      // Gives back this node's slot (and expired holders); holders of deleted nodes are the
      // cycle's housekeeping, which asks the API server first.
      const value = release(record.lock, new Set([name]), () => true, settings, context.now, context.outOfService, takenNoLaterThan);
      return value === undefined ? { result: false } : { changes: { [lockKey]: value }, result: true };
    });
    if (released) log.info({ node: name }, 'Releasing lock'); // kured's text
  }

  /**
   * Silences the node's alerts until `step`'s bound. A courtesy to the people on call, never a
   * gate: if Alertmanager cannot be reached the reboot goes on, with a warning and an Event.
   */
  async function silence(node: V1Node, observed: ObservedNode, context: PerformContext, step: 'cordon' | 'dispatch'): Promise<Silenced> {
    if (!deps.silencer) return { annotations: {}, created: [], uncertain: false };
    // An expiry of the previous reboot's silences must not undo (or un-record) this reboot's.
    await expiry?.cancel(observed.name);
    const until = silenceEnd(context.now, { drainTimeoutMs: settings.drainTimeoutMs, rebootTimeoutMs: settings.rebootTimeoutMs }, step);
    try {
      const ids = await deps.silencer.silence(observed.name, until, observed.request?.reason ?? `kreboot is rebooting ${observed.name}`);
      const recorded = new Set(observed.silences ?? []);
      return {
        annotations: silencesAnnotation([...recorded, ...ids.filter((id) => !recorded.has(id))]),
        created: ids.filter((id) => !recorded.has(id)),
        uncertain: false,
      };
    } catch (error) {
      log.warn({ err: error, node: observed.name }, "could not silence the node's alerts in Alertmanager; rebooting anyway");
      sinks.events.record(
        node,
        observed.progress?.phase ?? 'cordoned',
        `could not silence the node's alerts in Alertmanager: ${error instanceof Error ? error.message : String(error)}`,
        true,
      );
      // A call whose answer was lost may have made or extended a silence all the same.
      return { annotations: {}, created: [], uncertain: true };
    }
  }

  /**
   * Expires silences made for a write that did not land (the node changed, or was deleted and
   * perhaps registered again as a new host): unrecorded, nothing else would end them before their
   * bound, and they would quiet a node kreboot is not rebooting (found by the simulation, seed 9257).
   */
  async function unsilenceUnrecorded(call: Call, observed: ObservedNode, { created, uncertain }: Silenced): Promise<void> {
    const name = observed.name;
    // A Node that is gone is rebooted no more: what it recorded goes too, or a silence this call
    // extended would quiet the host that registers under its name (found by the simulation, seed
    // 24819). After a failed silencing the silencer's own lookup finds what it may have made or
    // extended all the same (seed 11897: an extension whose answer was lost, then the node gone).
    const ids = call.gone ? [...(observed.silences ?? []), ...created] : created;
    if (!deps.silencer || (ids.length === 0 && !uncertain && !call.gone)) return;
    try {
      await deps.silencer.expire(name, ids);
    } catch (error) {
      log.warn(
        { err: error, node: name, silences: created },
        'could not expire silences made for a write that did not land; they end at their bound',
      );
    }
  }

  async function takeSlot(observed: ObservedNode, context: PerformContext, reclaim: boolean): Promise<AcquireResult> {
    return rollout.update<AcquireResult>((record) => {
      if (!record.lock) return { result: { acquired: false, reason: 'the lock annotation is unreadable' } };
      const progress = observed.progress;
      const finished =
        progress && (progress.phase === 'done' || progress.phase === 'failed') ? (progress.startedAt ?? progress.since) : undefined;
      // A halt kept on the record since the cycle read it (a hook failed with --hook-failure=halt,
      // its node given back) holds this start too.
      if (!reclaim && record.halted && !(record.resumed && Date.parse(record.resumed.at) >= Date.parse(record.halted.at)))
        return { result: { acquired: false, reason: `rollout halted: ${record.halted.reason}` } };
      // The rollout waits on a node being recovered; its record is written before the node's, so a
      // replica whose view has not shown the recovery yet cannot start another node on a stale one.
      const recovering = reclaim ? undefined : record.recovering?.find((entry) => entry.node !== observed.name);
      if (recovering) return { result: { acquired: false, reason: `rollout waits on ${recovering.node}, being recovered` } };
      // The cycle's ledger checked the zone against the lock it read; the slot is written against
      // the lock as it is now, so a holder that appeared since (a write retried on a conflict)
      // is checked here too.
      // With pools, another pool's halt or an operator's pause may have landed since this cycle
      // read the record: a start checks the record it writes its slot into (docs/pools.md).
      if (!reclaim && settings.checkRolloutOnStart) {
        const hold = rolloutHold(record, record.halted, true, { ...settings, lockAnnotation: lockKey }, context.now);
        if (hold && !hold.open) return { result: { acquired: false, reason: `${hold.gate}: ${hold.reason}` } };
      }
      if (!reclaim) {
        const zoneFull = context.zoneFull?.(
          observed,
          record.lock.holders.filter((holder) => holder.ours).map((holder) => holder.nodeID),
        );
        if (zoneFull) return { result: { acquired: false, reason: zoneFull } };
      }
      const result = acquire(
        record.lock,
        observed.name,
        observed.unschedulable,
        settings,
        context.now,
        context.outOfService,
        reclaim,
        progress?.startedAt,
        finished,
      );
      return result.acquired ? { changes: { [lockKey]: result.value }, result } : { result };
    });
  }

  return {
    async perform(action: Action, node: V1Node, observed: ObservedNode, context: PerformContext): Promise<Outcome> {
      const call: Call = { conflicted: false };
      const expireAgainAt = expiry?.step(observed.name, silencesToExpire(observed));
      const outcome = await performAction(call, action, node, observed, context);
      const soon = call.conflicted ? new Date(context.now.getTime() + CONFLICT_RECHECK_MS) : undefined;
      const requeueAt = earliest(outcome.requeueAt, earliest(expireAgainAt, soon));
      return requeueAt === outcome.requeueAt ? outcome : { ...outcome, requeueAt };
    },
    /** Resolves when no drain pass or silence expiry runs (shutdown: the Lease is released only after). */
    async settled(): Promise<void> {
      while (running.size > 0) await Promise.allSettled([...running]);
      await expiry?.settled();
    },
  };

  async function performAction(
    call: Call,
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
        const taken = await takeSlot(observed, context, false);
        if (!taken.acquired) return { fact: { type: 'no-slot', reason: taken.reason } };
        log.info({ node: name }, 'Acquired reboot lock'); // kured's text
        // A cordon lost to a 409 leaves a slot without a cordon: the next cycle either starts
        // again with it or, if a gate closed meanwhile, gives it back.
        const silences = await silence(node, observed, context, 'cordon');
        const written = await write(call, node, observed, withAnnotations(startPatch(node, observed, now, settings), silences.annotations));
        if (!written) await unsilenceUnrecorded(call, observed, silences);
        return { took: true, ...(written ? { requeueAt: new Date(now.getTime() + settings.drainDelayMs) } : {}) };
      }
      case 'reacquire': {
        // A reclaim takes a slot whatever the lock says: only for a node the API confirms is out.
        if (!isOutOfService(observeNode(await api.readNode(name)).progress))
          return { requeueAt: new Date(now.getTime() + CONFLICT_RECHECK_MS) };
        const taken = await takeSlot(observed, context, true);
        if (taken.acquired) log.warn({ node: name }, 'a node kreboot has out of service had lost its slot; taken back');
        return NOTHING;
      }
      case 'drain':
        return drainStep(name, observed, now);
      case 'dispatch': {
        const silences = await silence(node, observed, context, 'dispatch');
        if (await write(call, node, observed, withAnnotations(dispatchPatch(node, observed, now, settings), silences.annotations)))
          return { requeueAt: new Date(now.getTime() + settings.rebootTimeoutMs) };
        await unsilenceUnrecorded(call, observed, silences);
        return NOTHING;
      }
      case 'verify':
        await write(call, node, observed, verifyingPatch(node, observed, now));
        return NOTHING;
      case 'recover': {
        // A halted node handed over for its remediation alert: the halt stays for the rest.
        if (observed.progress?.haltedRollout) await keepHaltRecord(haltOf(name, observed.progress));
        await keepRecovering(name, action.progress);
        if (action.step === 'retry') {
          const silences = await silence(node, observed, context, 'dispatch');
          const patch = withAnnotations(dispatchPatch(node, observed, now, settings, action.progress), silences.annotations);
          if (await write(call, node, observed, patch)) return { requeueAt: new Date(now.getTime() + settings.rebootTimeoutMs) };
          await unsilenceUnrecorded(call, observed, silences);
          return NOTHING;
        }
        if (!(await write(call, node, observed, recoverPatch(node, observed, action.progress, settings)))) return NOTHING;
        // People must hear that a node is out of kreboot's hands (the record says it; a chat says it too).
        if (action.step === 'handoff') sinks.notify({ kind: 'reboot-failed', node: name, reason: action.progress.reason });
        return { requeueAt: new Date(Date.parse(action.progress.recovery!.until)) };
      }
      case 'remediate-halted': {
        // The halt is kept on the rollout record before the node stops showing it.
        if (observed.progress) await keepHaltRecord(haltOf(name, observed.progress));
        const silences = await silence(node, observed, context, 'dispatch');
        const patch = withAnnotations(dispatchPatch(node, observed, now, settings, action.progress), silences.annotations);
        if (await write(call, node, observed, patch)) return { requeueAt: new Date(now.getTime() + settings.rebootTimeoutMs) };
        await unsilenceUnrecorded(call, observed, silences);
        return NOTHING;
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
        if (settings.lockReleaseDelayMs > 0) return { requeueAt: new Date(now.getTime() + settings.lockReleaseDelayMs) };
        await releaseSlot(name, withoutNode(context, name), roundStart(observed));
        return { released: true };
      case 'release': {
        // Decided on the view, which may lag behind this node's own cordon (another replica,
        // a slow watch): the API's copy must agree before a slot goes.
        const fresh = observeNode(await api.readNode(name));
        // The view lags: look again soon, on the copy the watch will have brought by then.
        if (isOutOfService(fresh.progress)) return { requeueAt: new Date(now.getTime() + CONFLICT_RECHECK_MS) };
        await releaseSlot(name, context, action.takenNoLaterThan);
        return { released: true, ...(action.requeueAt ? { requeueAt: action.requeueAt } : {}) };
      }
      case 'fail': {
        // A halt is kept on the rollout record before the node's failure is written: written after,
        // a node deleted in between (its answer lost, then an autoscaler removing it) took the halt
        // with it (found by the simulation, seed 8950).
        const halt = action.halt || action.holdRollout ? { at: now.toISOString(), node: name, reason: action.reason } : undefined;
        const kept = halt ? await keepHaltRecord(halt) : false;
        if (!(await write(call, node, observed, failPatch(node, observed, now, action, settings)))) {
          // The node changed under the decision (not deleted: a deleted node's halt stays): the
          // next cycle decides again, so the halt written for this decision goes.
          if (halt && kept && !call.gone) await dropHaltRecord(halt);
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
        await releaseSlot(name, withoutNode(context, name), roundStart(observed));
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

function withAnnotations(patch: NodePatch, annotations: AnnotationChanges): NodePatch {
  if (Object.keys(annotations).length === 0) return patch;
  return {
    ...patch,
    body: { ...patch.body, metadata: { ...patch.body.metadata, annotations: { ...patch.body.metadata.annotations, ...annotations } } },
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
