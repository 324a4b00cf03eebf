// The decision cycle. Woken by the watch (a relevant Node or lock change), by an operator action,
// or by the one timer set for the earliest requeue time; never by polling. Each cycle reads the
// watch-fed view, evaluates the gates once for all nodes that want to start, asks decide() for
// each node's next action and performs it. Cycles never overlap; a wake during one runs another.

import type { V1Node } from '@kubernetes/client-node';
import type { Gate, Verdict } from '../gates/gate.ts';
import type { Logger } from '../log/logger.ts';
import type { ClusterView } from './cluster/cluster-view.ts';
import type { RolloutStore } from './lock/rollout-store.ts';
import { holds, liveHolders, release, type SlotSettings } from './lock/slots.ts';
import type { ControllerMetrics } from './observe/metrics.ts';
import type { Performer } from './perform.ts';
import { decide, wantsToStart, type PolicySettings } from './policy/decide.ts';
import { observeNode, type ObservedNode } from './policy/observed-node.ts';
import { isInFlight } from './policy/progress.ts';
import { rolloutVerdict } from './rollout-gate.ts';

export interface ReconcilerDeps {
  readonly view: ClusterView;
  readonly rollout: RolloutStore;
  readonly performer: Performer;
  readonly gates: readonly Gate[];
  readonly settings: PolicySettings & SlotSettings & { readonly trigger: 'alert' | 'node'; readonly gateRecheckMs: number; readonly lockAnnotation: string };
  readonly metrics: ControllerMetrics;
  readonly log: Logger;
  readonly clock: () => Date;
  /** Asks the API server whether a Node is gone (404); the view may not hold it (--node-selector). */
  readonly nodeGone: (name: string) => Promise<boolean>;
}

/** Writes not yet seen by the watch: node → the resourceVersion the write started from. */
type PendingWrites = Map<string, { from: string | undefined; at: number }>;
const PENDING_WRITE_TIMEOUT_MS = 10_000;

export interface Reconciler {
  wake(reason: string): void;
  /** Marks a node written by this process, so cycles wait for the watch to show the write. */
  wrote(node: string, fromResourceVersion: string | undefined): void;
  setActive(active: boolean): void;
  /** Every node as the policy sees it now (for status and metrics). */
  observed(): readonly ObservedNode[];
  /** Resolves when no cycle is running or queued (tests, shutdown). */
  idle(): Promise<void>;
  stop(): void;
}

export function withTrigger(node: ObservedNode, trigger: 'alert' | 'node'): ObservedNode {
  // --trigger=node: the agent's own sentinel report is a request too.
  if (trigger !== 'node' || node.request || node.rebootRequired !== true || !node.sentinelCheckedAt) return node;
  return { ...node, request: { at: node.sentinelCheckedAt, kind: 'node' } };
}

export function createReconciler(deps: ReconcilerDeps): Reconciler {
  const { view, rollout, performer, gates, settings, log, clock } = deps;
  const pending: PendingWrites = new Map();
  let active = false;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let timerAt = Infinity;
  let stopped = false;

  function schedule(at: number): void {
    if (stopped || at >= timerAt) return;
    if (timer) clearTimeout(timer);
    timerAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      timerAt = Infinity;
      wake('requeue');
    }, Math.max(0, at - clock().getTime()));
    timer.unref?.();
  }

  function stillPending(node: V1Node): boolean {
    const name = node.metadata?.name ?? '';
    const write = pending.get(name);
    if (!write) return false;
    if (node.metadata?.resourceVersion !== write.from || Date.now() - write.at > PENDING_WRITE_TIMEOUT_MS) {
      pending.delete(name);
      return false;
    }
    return true;
  }

  async function verdictsFor(candidates: readonly ObservedNode[], now: Date): Promise<(node: string) => Verdict> {
    const names = candidates.map((node) => node.name);
    // The gates need every node's name, not only the candidates', to tell a node's alert from a
    // host's: an alert naming something that is not a node blocks every node.
    const knownNodes = new Set(view.nodes().map((node) => node.metadata?.name ?? ''));
    const answers = await Promise.all(
      gates.map((gate) =>
        gate.evaluate({ now, nodes: names, knownNodes }).catch((error: unknown) => {
          const reason = `gate failed: ${error instanceof Error ? error.message : String(error)}`;
          return () => ({ open: false as const, gate: gate.name, reason });
        }),
      ),
    );
    return (node) => {
      for (const answer of answers) {
        const verdict = answer(node);
        if (!verdict.open) return verdict;
      }
      return { open: true };
    };
  }

  async function housekeeping(now: Date): Promise<void> {
    const record = rollout.current();
    if (!record?.lock) return;
    const unseen = record.lock.holders.filter((holder) => holder.created !== undefined && view.node(holder.nodeID) === undefined);
    // The view holds only the nodes this controller manages: a holder of another node is released
    // only once the API server confirms that node is gone.
    const gone = new Set<string>();
    for (const holder of unseen) if (await deps.nodeGone(holder.nodeID)) gone.add(holder.nodeID);
    const exists = (name: string) => !gone.has(name);
    if (release(record.lock, new Set(), exists, settings, now) === undefined) return;
    await rollout.update((fresh) => {
      const value = fresh.lock ? release(fresh.lock, new Set(), exists, settings, now) : undefined;
      return value === undefined ? { result: undefined } : { changes: { [settings.lockAnnotation]: value }, result: undefined };
    });
  }

  async function cycle(): Promise<void> {
    if (!active || !view.synced()) return;
    deps.metrics.cycles.inc();
    const endTimer = deps.metrics.cycleDuration.startTimer();
    const now = clock();
    await housekeeping(now);
    const raw = view.nodes();
    const all = raw.map((node) => ({ node, observed: withTrigger(observeNode(node), settings.trigger) }));
    const ready = all.filter((entry) => !stillPending(entry.node));
    const record = rollout.current();
    const lock = record?.lock;
    const holding = (name: string) => (lock ? holds(lock, name) : false);

    // One pass splits the nodes: those asking to start (oldest request first), those in flight,
    // and the rest.
    const candidates: typeof ready = [];
    const inFlight: typeof ready = [];
    const rest: typeof ready = [];
    for (const entry of ready) {
      if (wantsToStart(entry.observed, now)) candidates.push(entry);
      else if (isInFlight(entry.observed.progress)) inFlight.push(entry);
      else rest.push(entry);
    }
    candidates.sort((a, b) => a.observed.request!.at.localeCompare(b.observed.request!.at) || a.observed.name.localeCompare(b.observed.name));
    const candidateNames = new Set(candidates.map((entry) => entry.observed.name));
    let free = settings.concurrency - (lock ? liveHolders(lock, settings, now).length : settings.concurrency);
    // A paused or halted rollout is shown to every waiting node (it costs no I/O); otherwise the
    // gates (one Prometheus query, one pod list per selector) are asked only when a node could start.
    const mayStart = candidates.length > 0 && (free > 0 || candidates.some((entry) => holding(entry.observed.name)));
    const held = candidates.length > 0 ? rolloutVerdict(record, view.daemonSet() !== undefined, settings, now) : undefined;
    const verdictOf = held ? () => held : mayStart ? await verdictsFor(candidates.map((entry) => entry.observed), now) : undefined;

    let earliest = Infinity;
    const note = (at: Date | undefined) => {
      if (at) earliest = Math.min(earliest, at.getTime());
    };
    // Nodes in flight first: finishing one frees the slot the next candidate takes in this cycle.
    for (const { node, observed } of [...inFlight, ...rest, ...candidates]) {
      const isCandidate = candidateNames.has(observed.name);
      const holdsSlot = holding(observed.name);
      const verdict = isCandidate && verdictOf && (held || holdsSlot || free > 0) ? verdictOf(observed.name) : undefined;
      const action = decide(observed, holdsSlot, verdict, now, settings);
      try {
        const outcome = await performer.perform(action, node, observed, now);
        note(outcome.requeueAt);
        if (action.type === 'start' && outcome.started && !holdsSlot) free--;
        if (action.type === 'complete' || action.type === 'release' || (action.type === 'fail' && action.restore)) free++;
        if (isCandidate && verdict && !verdict.open && !verdict.retryAt) note(new Date(now.getTime() + settings.gateRecheckMs));
      } catch (error) {
        log.error({ err: error, node: observed.name, action: action.type }, 'action failed; retrying');
        note(new Date(now.getTime() + 2000));
      }
    }
    if (earliest < Infinity) schedule(earliest);
    endTimer();
  }

  function wake(reason: string): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    log.trace({ reason }, 'cycle');
    running = (async () => {
      do {
        again = false;
        try {
          await cycle();
        } catch (error) {
          log.error({ err: error }, 'decision cycle failed; retrying');
          schedule(clock().getTime() + 2000);
        }
      } while (again && !stopped);
      running = undefined;
    })();
  }

  return {
    wake,
    wrote(node, from) {
      pending.set(node, { from, at: Date.now() });
    },
    setActive(value) {
      active = value;
      if (value) wake('became leader');
    },
    observed: () => view.nodes().map((node) => withTrigger(observeNode(node), settings.trigger)),
    async idle() {
      while (running) await running;
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
