// The decision cycle, run by the work loop: woken by the watch (a relevant Node or lock change), by
// an operator action, or by the one timer set for the earliest requeue time; never by polling. Each
// cycle plans from the watch-fed view (plan.ts), evaluates the gates once for the nodes that may
// start, asks decide() for each node's next action and performs it; a fact the runner reports
// (no slot, drained) is fed back to decide() for the same node at once. Only an active replica
// (the leader) acts, and a replica that stops leading stops between two actions.

import type { V1Node } from '@kubernetes/client-node';
import type { Gate, Verdict } from '../gates/gate.ts';
import type { Logger } from '../log/logger.ts';
import { isOutOfService } from '../store/node-progress.ts';
import type { HaltRecord } from '../store/rollout-record.ts';
import type { ClusterView } from './cluster/cluster-view.ts';
import type { OwnWrites } from './cluster/own-writes.ts';
import { keepHalt } from './lock/halt-record.ts';
import { settleRecovering } from './lock/recovering-record.ts';
import type { RolloutStore } from './lock/rollout-store.ts';
import { holds, release } from './lock/slots.ts';
import type { ControllerMetrics } from './observe/metrics.ts';
import type { PerformContext, Performer } from './perform.ts';
import { gateRecheckAt, holdAfter, nodeInput } from './policy/cycle-holds.ts';
import { decide, type PolicySettings } from './policy/decide.ts';
import { ageDueAt } from './policy/node-age.ts';
import { observeNode, type ObservedNode } from './policy/observed-node.ts';
import { haltingNode, NO_TOPOLOGY, planCycle, rolloutHalt, slotLedger, zoneFullAgainst } from './policy/plan.ts';
import { recoveryHold } from './policy/recovery.ts';
import { haltVerdict, rolloutHold } from './policy/rollout-hold.ts';
import { askGates, createReadModel, observeAll, type ReadModelSettings, type RolloutQueries } from './read-model.ts';
import { createWorkLoop, REAL_TIMERS, type Timers } from './work-loop.ts';
import { everyLimit } from '../map-limit.ts';

export interface ReconcilerDeps {
  readonly view: ClusterView;
  /** This process's own writes the view has not shown yet (own-writes.ts): the cycle reads through them. */
  readonly ownWrites: OwnWrites;
  /**
   * Every node of the install, whatever its pool (docs/pools.md): the recovery records are the
   * install's, so a pool judges them against the whole cluster, not its own cut (a node of another
   * pool is not gone). Absent: the view's nodes.
   */
  readonly clusterNodes?: () => readonly V1Node[];
  readonly rollout: RolloutStore;
  readonly performer: Performer;
  readonly gates: readonly Gate[];
  readonly settings: PolicySettings & ReadModelSettings;
  readonly metrics: ControllerMetrics;
  readonly log: Logger;
  readonly clock: () => Date;
  readonly timers?: Timers;
  /** Asks the API server whether a Node is gone (404); the view may not hold it (--node-selector). */
  readonly nodeGone: (name: string) => Promise<boolean>;
  /**
   * The Nodes as the API server has them now, to check the watch-fed view against before the
   * first start after it may lag (viewCaughtUp below); absent: the view is trusted.
   */
  readonly freshNodes?: () => Promise<readonly V1Node[]>;
  /** A gate's halt was kept on the lock DaemonSet (the notification). */
  readonly onHalt?: (halt: HaltRecord) => void;
  /**
   * Runs a cycle when no other pool's cycle runs (docs/pools.md): pools share the lock DaemonSet,
   * and one pool's halt must be seen by the next pool's cycle, as within one cycle.
   */
  readonly exclusive?: <T>(run: () => Promise<T>) => Promise<T>;
}

const ACTION_RETRY_MS = 2000;
/** A view found behind the API server is checked again this soon (its watch is catching up). */
const VIEW_RECHECK_MS = 1000;
/** decide() → perform() rounds per node and cycle: an action, then at most two on its facts. */
const MAX_STEPS = 3;
/** Record-keeping writes in flight at once within a cycle (nodes neither out of service nor starting). */
const RECORDS_IN_FLIGHT = 8;
/**
 * Actions a cycle takes before it turns to the candidates; the rest of the records wait for the next
 * cycle, which runs at once. 5,000 withdrawals (resolved alerts after a patch night) held one cycle
 * and every start behind it for minutes (issue 25).
 */
const ACTIONS_BEFORE_CANDIDATES = 64;
/**
 * From this many nodes, a cycle woken by a change starts no sooner than PACE_MS after the previous
 * one started. Each cycle reads every node (about 10–30 ms at 5,000): a patch night's 5,000 request
 * writes, each with its watch event, made 5,000 cycles that took most of the event loop from the
 * webhooks (issue 25). Smaller clusters, and the simulation, are not paced.
 */
const PACED_FROM_NODES = 1000;
const PACE_MS = 100;
/** A cycle longer than this is logged with its slowest action (an API call, a gate). */
const SLOW_CYCLE_SECONDS = 1;

/** A pool's cycle, and the read model's queries over the same pool (read-model.ts) for its callers. */
export interface Reconciler extends RolloutQueries {
  wake(reason: string): void;
  setActive(active: boolean): void;
  /** Resolves when no cycle is running or queued (tests, shutdown). */
  idle(): Promise<void>;
  stop(): void;
}

export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const { view, ownWrites, rollout, performer, gates, settings, log, clock } = deps;
  let active = false;
  /** Counts the times this replica became leader: a new term's view is checked once before a start. */
  let term = 0;
  /** The term and lock DaemonSet for which the view was found caught up with the API server. */
  let caughtUpFor: string | undefined;
  /** When the last cycle started and how many nodes it read: wakes are paced on large clusters. */
  let lastCycle = { at: -Infinity, nodes: 0 };
  const readModel = createReadModel({
    view,
    rollout,
    gates,
    settings,
    clock,
    ...(deps.clusterNodes ? { clusterNodes: deps.clusterNodes } : {}),
  });

  const newest = (node: V1Node) => ownWrites.newest(node);

  /** Keeps a halt the nodes show on the rollout record too, so it outlives the node (halt-record.ts). */
  async function keepNodeHalt(nodes: readonly ObservedNode[]): Promise<void> {
    const record = rollout.current();
    const halt = record && !record.halted ? haltingNode(nodes, record) : undefined;
    if (!halt) return;
    try {
      await rollout.update((fresh) => {
        const changes = keepHalt(halt, fresh);
        return changes ? { changes, result: undefined } : { result: undefined };
      });
    } catch (error) {
      log.warn({ err: error, node: halt.node }, 'could not keep the halt on the lock DaemonSet; retrying next cycle');
    }
  }

  /**
   * Ends the recovery records whose outcome is known (the node is back, halted, or replaced) and
   * halts for a node gone past its deadline; the next deadline, for the loop's timer.
   */
  async function keepRecoveryRecords(nodes: readonly ObservedNode[], now: Date): Promise<number> {
    const record = rollout.current();
    if (!record?.recovering?.length) return Infinity;
    const first = settleRecovering(record, nodes, now);
    if (first.changes) {
      try {
        await rollout.update((fresh) => {
          const settled = settleRecovering(fresh, nodes, now);
          return settled.changes ? { changes: settled.changes, result: undefined } : { result: undefined };
        });
      } catch (error) {
        log.warn({ err: error }, 'could not update the recovery record on the lock DaemonSet; retrying next cycle');
        return now.getTime() + ACTION_RETRY_MS;
      }
    }
    return first.nextDeadline;
  }

  /**
   * A gate that gave up waiting asks for a halt (the workload gate, ADR 0018): kept on the lock
   * DaemonSet like a node's, so it holds until a resume; the verdict that holds the rest of this
   * cycle, or undefined when it could not be written (the gate's own verdict holds meanwhile).
   */
  async function keepGateHalt(ask: { node: string; reason: string }, now: Date): Promise<Verdict | undefined> {
    const halt: HaltRecord = { at: now.toISOString(), node: ask.node, reason: ask.reason };
    try {
      const kept = await rollout.update((fresh) => {
        const changes = keepHalt(halt, fresh);
        return changes ? { changes, result: true } : { result: false };
      });
      if (kept) {
        log.warn({ node: ask.node, reason: ask.reason }, 'rollout halted by a gate');
        deps.onHalt?.(halt);
      }
    } catch (error) {
      log.warn({ err: error, node: ask.node }, 'could not keep the halt on the lock DaemonSet; retrying next cycle');
      return undefined;
    }
    return haltVerdict(ask.node, ask.reason);
  }

  /**
   * Whether the view has caught up with the API server, checked once per term and lock DaemonSet
   * before anything starts. The caps count a node out either by its slot in the lock or by its
   * record in the view; a replica that just became leader, or that finds the lock DaemonSet created
   * again (its holders gone), has only the view, and a watch that lags behind the last leader's
   * cordon shows that node schedulable: a second node started beside it at --concurrency=1 (found
   * by the simulation, seed 20227). One list of the Nodes settles it; until the view shows every
   * node the list has out of service, nothing starts.
   */
  async function viewCaughtUp(outOfService: ReadonlySet<string>): Promise<boolean> {
    if (!deps.freshNodes) return true;
    const key = `${term} ${view.daemonSet()?.metadata?.uid ?? ''}`;
    if (caughtUpFor === key) return true;
    let fresh: readonly V1Node[];
    try {
      fresh = await deps.freshNodes();
    } catch (error) {
      log.warn({ err: error }, 'could not list the nodes to check the watch against; no node starts until it can');
      return false;
    }
    const behind = fresh
      .filter((node) => {
        const name = node.metadata?.name ?? '';
        return view.node(name) !== undefined && !outOfService.has(name) && isOutOfService(observeNode(node).progress);
      })
      .map((node) => node.metadata?.name);
    if (behind.length > 0) {
      log.warn({ nodes: behind }, 'the watch has not shown nodes the API server has out of service yet; no node starts until it does');
      return false;
    }
    caughtUpFor = key;
    return true;
  }

  async function housekeeping(now: Date, outOfService: ReadonlySet<string>): Promise<void> {
    const record = rollout.current();
    if (!record?.lock) return;
    const unseen = record.lock.holders.filter((holder) => holder.created !== undefined && view.node(holder.nodeID) === undefined);
    // The view holds only the nodes this controller manages: a holder of another node is released
    // only once the API server confirms that node is gone.
    const gone = new Set<string>();
    for (const holder of unseen) if (await deps.nodeGone(holder.nodeID)) gone.add(holder.nodeID);
    const exists = (name: string) => !gone.has(name);
    if (release(record.lock, new Set(), exists, settings, now, outOfService) === undefined) return;
    await rollout.update((fresh) => {
      const value = fresh.lock ? release(fresh.lock, new Set(), exists, settings, now, outOfService) : undefined;
      return value === undefined ? { result: undefined } : { changes: { [settings.lockAnnotation]: value }, result: undefined };
    });
  }

  const maxNodeAgeMs = settings.maxNodeAgeMs ?? 0;

  /** The next moment a node becomes due by age: the loop's one timer wakes then (no per-node timer). */
  function nextAgeDue(nodes: readonly ObservedNode[], now: Date): number {
    let next = Infinity;
    if (maxNodeAgeMs <= 0) return next;
    for (const node of nodes) {
      if (node.request) continue;
      const due = ageDueAt({ name: node.name, ...(node.bootTime ? { bootTime: node.bootTime } : {}) }, { maxNodeAgeMs })?.getTime();
      if (due !== undefined && due > now.getTime()) next = Math.min(next, due);
    }
    return next;
  }

  async function cycle(): Promise<number | undefined> {
    if (!active || !view.synced()) return undefined;
    deps.metrics.cycles.inc();
    const endTimer = deps.metrics.cycleDuration.startTimer();
    // The cycle's own time is its wall time less the time an API call or a gate query was
    // outstanding (issue 25): the part kreboot owns, apart from the API's latency.
    const cycleStarted = performance.now();
    let awaiting = 0;
    let awaitingSince = 0;
    let awaitedMs = 0;
    const io = async <T>(call: Promise<T>): Promise<T> => {
      if (awaiting++ === 0) awaitingSince = performance.now();
      try {
        return await call;
      } finally {
        if (--awaiting === 0) awaitedMs += performance.now() - awaitingSince;
      }
    };
    const now = clock();
    const entries = observeAll(view.nodes().map(newest), settings, now);
    lastCycle = { at: now.getTime(), nodes: entries.length };
    const byName = new Map(entries.map((entry) => [entry.observed.name, entry.node]));
    const allObserved = entries.map((entry) => entry.observed);
    // Housekeeping may change the lock, so the cycle is planned after it; it needs only the nodes
    // kreboot has out of service, which the lock does not change.
    const housekeepingStarted = performance.now();
    // A halt and a recovery are the install's, whatever the pool of their node (docs/pools.md).
    const everyNode = deps.clusterNodes
      ? observeAll(deps.clusterNodes().map(newest), settings, now).map((entry) => entry.observed)
      : allObserved;
    await io(keepNodeHalt(everyNode));
    const recoveryDeadline = await io(keepRecoveryRecords(everyNode, now));
    await io(housekeeping(now, new Set(allObserved.filter((node) => isOutOfService(node.progress)).map((node) => node.name))));
    const housekeepingMs = Math.round(performance.now() - housekeepingStarted);

    const record = rollout.current();
    const plan = planCycle(allObserved, record?.lock, settings, now, settings.topology);
    const holding = (name: string) => (record?.lock ? holds(record.lock, name) : false);
    const ledger = slotLedger(plan, settings, settings.topology);
    const candidateNames = new Set(plan.candidates.map((node) => node.name));
    // A paused or halted rollout is shown to every waiting node (it costs no I/O); otherwise the
    // gates (one Prometheus query, one pod list per selector) are asked only when a node could start.
    const halt = rolloutHalt(everyNode, record);
    const recovering = recoveryHold(everyNode, record?.recovering);
    const held =
      plan.candidates.length > 0 ? rolloutHold(record, halt, view.daemonSet() !== undefined, settings, now, recovering) : undefined;
    const mayStart = plan.candidates.some((node) => ledger.offer(node, holding(node.name)).ok);
    const gatesStarted = performance.now();
    const verdictOf = held ? () => held : mayStart ? await io(askGates(gates, view, plan.candidates, now)) : undefined;
    if (!held && verdictOf) readModel.rememberVerdicts(now, candidateNames, verdictOf);
    const gatesMs = Math.round(performance.now() - gatesStarted);
    const topology = settings.topology ?? NO_TOPOLOGY;
    const observedByName = new Map(allObserved.map((node) => [node.name, node]));
    // Nodes still out of service as the cycle goes: one that finishes and gives its slot back frees
    // its zone for a candidate in the same cycle.
    const stillOut = new Set(plan.outOfService);
    // The nodes the caps count as out for the slots taken in this cycle: the plan's, and a node
    // whose start failed midway (its slot taken and its cordon perhaps landed, the answer lost).
    const countedOut = new Set(plan.outOfService);
    const context: PerformContext = {
      now,
      outOfService: countedOut,
      zoneFull: (node, holders) => zoneFullAgainst(node, holders, stillOut, (name) => observedByName.get(name), topology),
    };
    const resumedAt = record?.resumed?.at;

    // A write the watch has not shown yet is trusted only so long: come back when that ends.
    let earliest = Math.min(nextAgeDue(allObserved, now), recoveryDeadline, ownWrites.nextExpiry(now));
    const note = (at: Date | undefined) => {
      if (at) earliest = Math.min(earliest, at.getTime());
    };
    // A node that halts the rollout in this cycle holds every candidate after it in this cycle too.
    let haltedNow: Verdict | undefined;
    // The action that took longest, named in the log when the cycle is slow.
    let slowest: { node: string; action: string; ms: number } | undefined;
    let actions = 0;
    /** Decides one node and performs its actions; false once this replica has stopped leading. */
    const handle = async (observed: ObservedNode): Promise<boolean> => {
      const node = byName.get(observed.name)!;
      // A write whose answer was lost counts against the caps (the plan saw it) but is not acted
      // on: a next step built on a cordon that never landed could hand a reboot job to a node
      // still schedulable. The watch, or the write's end of trust, tells what happened.
      if (ownWrites.isPresumed(observed.name, node)) return true;
      const isCandidate = candidateNames.has(observed.name);
      const holdsSlot = holding(observed.name);
      const input = nodeInput({
        isCandidate,
        hold: held ?? haltedNow,
        offer: () => ledger.offer(observed, holdsSlot),
        verdictOf,
        node: observed.name,
      });
      let verdict = input.verdict;
      if (verdict && !verdict.open && verdict.halt && active) verdict = haltedNow = (await io(keepGateHalt(verdict.halt, now))) ?? verdict;
      let fact = input.fact;
      for (let step = 0; step < MAX_STEPS; step++) {
        // A replica that stopped leading (its Lease renewal missed the deadline) stops here.
        if (!active) return false;
        const action = decide(
          observed,
          { holdsSlot, ...(verdict ? { verdict } : {}), ...(resumedAt ? { resumedAt } : {}), ...(fact ? { fact } : {}) },
          now,
          settings,
        );
        // A node that halts the rollout, or that a recovery starts on, holds every candidate after it.
        haltedNow = holdAfter(observed.name, action, haltedNow);
        if (action.type !== 'none') actions++;
        const actionStarted = performance.now();
        try {
          const outcome = await io(performer.perform(action, node, observed, context));
          note(outcome.requeueAt);
          if (outcome.took && !holdsSlot) ledger.took(observed);
          if (outcome.released) {
            ledger.freed(observed);
            stillOut.delete(observed.name);
          }
          note(gateRecheckAt(isCandidate, verdict, now, settings.gateRecheckMs));
          fact = outcome.fact;
        } catch (error) {
          log.error({ err: error, node: observed.name, action: action.type }, 'action failed; retrying');
          // A start that failed midway may have taken its slot and cordoned the node: for the rest
          // of this cycle it counts as out, or the next candidate could take the same room
          // (found by the simulation, seeds 10939 and 20148, with the lock's holders lost meanwhile).
          if (action.type === 'start' || action.type === 'reacquire') {
            if (!holdsSlot) ledger.took(observed);
            countedOut.add(observed.name);
            stillOut.add(observed.name);
          }
          note(new Date(now.getTime() + ACTION_RETRY_MS));
          fact = undefined;
        }
        const actionMs = performance.now() - actionStarted;
        if (!slowest || actionMs > slowest.ms) slowest = { node: observed.name, action: action.type, ms: Math.round(actionMs) };
        if (!fact) break;
      }
      return true;
    };
    for (const observed of plan.out) if (!(await handle(observed))) return undefined;
    // Nodes neither out of service nor asking to start have only records to keep (a withdrawal, a
    // slot to give back, a stale job): a few at a time, so that thousands of them (a resolved alert
    // for every node) do not hold the cycle for thousands of round trips one after the other.
    const keep = (observed: ObservedNode) => {
      if (actions < ACTIONS_BEFORE_CANDIDATES) return handle(observed);
      earliest = now.getTime();
      return Promise.resolve(true);
    };
    if (!(await everyLimit(plan.rest, RECORDS_IN_FLIGHT, keep))) return undefined;
    if (plan.candidates.length > 0 && !held && !(await io(viewCaughtUp(plan.outOfService))))
      note(new Date(now.getTime() + VIEW_RECHECK_MS));
    else for (const observed of plan.candidates) if (!(await handle(observed))) return undefined;
    const seconds = endTimer();
    const computeMs = Math.max(0, performance.now() - cycleStarted - awaitedMs);
    deps.metrics.cycleCompute.observe(computeMs / 1000);
    if (seconds > SLOW_CYCLE_SECONDS)
      log.warn(
        { ms: Math.round(seconds * 1000), computeMs: Math.round(computeMs), nodes: entries.length, housekeepingMs, gatesMs, slowest },
        'slow decision cycle',
      );
    return earliest < Infinity ? earliest : undefined;
  }

  const exclusive = deps.exclusive;
  const loop = createWorkLoop({ pass: exclusive ? () => exclusive(cycle) : cycle, clock, timers: deps.timers ?? REAL_TIMERS, log });

  return {
    wake(reason) {
      readModel.changed();
      const paced = lastCycle.nodes >= PACED_FROM_NODES ? lastCycle.at + PACE_MS : -Infinity;
      if (clock().getTime() < paced) loop.requeueAt(paced);
      else loop.wake(reason);
    },
    setActive(value) {
      if (value && !active) term++;
      active = value;
      if (value) loop.wake('became leader');
    },
    observed: readModel.observed,
    halt: readModel.halt,
    recovering: readModel.recovering,
    queue: readModel.queue,
    forecast: readModel.forecast,
    idle: loop.idle,
    stop: loop.stop,
  };
}
