// "Nothing happened" checks wait for the controller's decision cycles, not for a fixed time: after
// the action, the leader's counter kreboot_reconcile_cycles_total must advance by N ≥ 2. The counter
// is incremented when a cycle starts and cycles never overlap, so cycle from+1 may have started
// before the action, but cycle from+2 started after from+1 ended: seeing from+N proves N-1 complete
// cycles ran after the call, each a chance to do the wrong thing. On a slow machine the wait takes
// longer instead of passing with no cycle run.

import { waitFor } from '../wait-for.ts';

/** The leader's decision cycles so far, read from the controller's /metrics. */
export async function reconcileCycles(controller: { readonly url: string }): Promise<number> {
  const text = await (await fetch(`${controller.url}/metrics`)).text();
  const match = /^kreboot_reconcile_cycles_total (\d+)$/m.exec(text);
  if (!match) throw new Error('kreboot_reconcile_cycles_total is not on /metrics');
  return Number(match[1]);
}

export interface CycleWaitOptions {
  /**
   * The loop is event-driven: with nothing changing it runs no cycle. `wake` makes a change the
   * controller reacts to; it is called at once, after each cycle seen, and when the counter has not
   * moved for a second. Not needed where something already wakes the loop (a gate re-check period).
   */
  readonly wake?: () => Promise<unknown>;
  readonly timeoutMs?: number;
  /** What the cycles are given the chance to do (or not), for the timeout message. */
  readonly what?: string;
}

/** Waits until `cycles` (at least 2) more decision cycles have started than when called; returns the count. */
export async function waitForCycles(controller: { readonly url: string }, cycles = 2, options: CycleWaitOptions = {}): Promise<number> {
  if (cycles < 2) throw new Error('waitForCycles: at least 2 cycles (the first one counted may have started before the call)');
  const from = await reconcileCycles(controller);
  let last = from;
  let wokenAfter = -1;
  let wokenAt = 0;
  try {
    return await waitFor(
      async () => {
        const count = await reconcileCycles(controller);
        last = count;
        if (count >= from + cycles) return count;
        if (options.wake && (count !== wokenAfter || Date.now() - wokenAt > 1_000)) {
          wokenAfter = count;
          wokenAt = Date.now();
          await options.wake();
        }
        return undefined;
      },
      { timeoutMs: options.timeoutMs ?? 30_000, what: `${cycles} decision cycles${options.what ? ` (${options.what})` : ''}` },
    );
  } catch (error) {
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}; kreboot_reconcile_cycles_total went from ${from} to ${last} only`,
      { cause: error },
    );
  }
}
