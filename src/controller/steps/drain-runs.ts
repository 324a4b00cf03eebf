// Drain passes beside the decision cycle (issue 14): the drain step starts a pass and returns at
// once; the pass's end wakes the loop and its outcome (drained, or what still waits) is handed to
// the policy as a fact on the node's next decision. A pass makes one eviction per pod (seconds on a
// busy API server, for a node of many pods); run inside the cycle it held every other node's
// decision that long (issue 14 measured cycles of 10–30 s).

import { apiErrorMessage } from '../../kube/api-errors.ts';
import type { RunnerFact } from '../policy/decide.ts';
import type { ObservedNode } from '../policy/observed-node.ts';
import type { BeginDrain, Drainer } from './drain.ts';

/** A drain pass running beside the decision cycle, and its outcome once it has one. */
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

export interface DrainRunsDeps {
  readonly drainer: Drainer;
  /** Wakes the work loop: a pass has finished. */
  readonly wake: (reason: string) => void;
  /** The cycle's clock, which stamps a pass's end (the simulation's is virtual). */
  readonly clock: () => Date;
}

export interface DrainRuns {
  /**
   * The drain step: the outcome of a pass that finished for this round, or a new pass started
   * beside the cycle (its end wakes the loop), or when to look again while one runs. `begin` is
   * the pass's first write, made before any eviction (ADR 0026).
   */
  step(observed: ObservedNode, now: Date, begin?: BeginDrain): { readonly requeueAt?: Date; readonly fact?: RunnerFact };
  /** Resolves when no pass runs (shutdown: the Lease is released only after). */
  settled(): Promise<void>;
}

export function createDrainRuns(deps: DrainRunsDeps): DrainRuns {
  const drains = new Map<string, DrainRun>();
  const running = new Set<Promise<void>>();
  return {
    step(observed, now, begin) {
      const name = observed.name;
      const round = observed.progress?.startedAt;
      const run = drains.get(name);
      if (run && run.round === round && run.finishedAt === undefined && now.getTime() - run.startedAt < DRAIN_PASS_STALL_MS) {
        return { requeueAt: new Date(run.startedAt + DRAIN_PASS_STALL_MS) };
      }
      if (run && run.round === round && run.finishedAt !== undefined) {
        const since = now.getTime() - run.finishedAt;
        if (!run.used && run.fact && since <= DRAIN_OUTCOME_FRESH_MS) {
          run.used = true;
          return { fact: run.fact! };
        }
        if (since < DRAIN_PASS_INTERVAL_MS) return { requeueAt: new Date(run.finishedAt + DRAIN_PASS_INTERVAL_MS) };
      }
      const started: DrainRun = { round, startedAt: now.getTime() };
      drains.set(name, started);
      const pass = deps.drainer
        .pass(name, now, begin)
        .catch((error: unknown) => ({
          done: false,
          evicted: 0,
          blockedByBudget: [] as string[],
          stale: false,
          reason: `drain error, retrying: ${error instanceof Error ? error.message : apiErrorMessage(error)}`,
        }))
        .then((result) => {
          // A stale pass learnt nothing: the next one (after the pace) reads the node afresh.
          started.fact = result.done
            ? { type: 'drained' }
            : result.stale
              ? undefined
              : { type: 'drain-waiting', reason: result.reason, blockedByBudget: result.blockedByBudget.length > 0 };
          started.finishedAt = deps.clock().getTime();
          deps.wake(`drain pass of ${name} finished`);
        })
        .finally(() => running.delete(pass));
      running.add(pass);
      return {};
    },
    async settled() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
