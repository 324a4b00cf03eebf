// Expiring a node's quiet-maintenance silences beside the decision cycle. Silences are a courtesy,
// never a gate (issue 26): the expiry of a node that is done or failed used to be that node's only
// action until Alertmanager confirmed it, so while Alertmanager was unreachable the node kept its
// slot and never started its next reboot. Now the cycle hands the IDs over and goes on with the
// node; an attempt runs in the background, its end wakes the loop, and a failed one is tried again
// after a backoff, a bounded number of times: the silences end by themselves at their bound
// (silence-end.ts), so after that the record is simply dropped.
//
// Waiting is a requeue, never a sleep: step() answers when the next attempt is due and the cycle
// comes back then (the simulation's clock drives it like the real one).

import type { Logger } from 'pino';
import type { NodeSilencer } from './node-silencer.ts';

/** First retry after this; doubled each time, up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 5000;
const RETRY_MAX_MS = 60_000;
/** Attempts before giving up: about a quarter of an hour, then the silences' own end takes over. */
export const MAX_EXPIRY_ATTEMPTS = 20;

export interface SilenceExpiryDeps {
  readonly silencer: NodeSilencer;
  /**
   * Removes `ids` from the node's record once they are expired, or given up on (`gaveUp` says why,
   * for a warning Event); skips a node being rebooted again meanwhile, whose record is that reboot's.
   */
  readonly forget: (node: string, ids: readonly string[], gaveUp?: string) => Promise<void>;
  readonly wake: (reason: string) => void;
  readonly clock: () => Date;
  readonly log: Logger;
}

interface Pending {
  /** The IDs this state is about: a different record starts over. */
  readonly key: string;
  attempts: number;
  nextAt: number;
  running?: Promise<void>;
  /** The node is being rebooted again: an attempt under way does not touch its record. */
  cancelled?: boolean;
  lastError?: string;
}

export interface SilenceExpiry {
  /**
   * The node's recorded silences should be expired: starts an attempt beside the cycle when one is
   * due and none runs. Returns when to look again (the next retry), or undefined.
   */
  step(node: string, ids: readonly string[]): Date | undefined;
  /** The node starts a new reboot: no more attempts for its old record; waits for one under way. */
  cancel(node: string): Promise<void>;
  /** Resolves when no attempt runs (shutdown). */
  settled(): Promise<void>;
}

export function createSilenceExpiry(deps: SilenceExpiryDeps): SilenceExpiry {
  const pending = new Map<string, Pending>();
  const running = new Set<Promise<void>>();

  function attempt(node: string, ids: readonly string[], state: Pending): void {
    state.attempts++;
    const givingUp = state.attempts > MAX_EXPIRY_ATTEMPTS;
    const body = async () => {
      try {
        if (!givingUp) await deps.silencer.expire(node, ids);
        if (state.cancelled) return;
        await deps.forget(node, ids, givingUp ? (state.lastError ?? 'Alertmanager did not answer') : undefined);
        // The runner hands the written Node to the cycle at once, so the record is not seen again.
        if (pending.get(node) === state) pending.delete(node);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        const delay = Math.min(RETRY_FIRST_MS * 2 ** (state.attempts - 1), RETRY_MAX_MS);
        state.nextAt = deps.clock().getTime() + delay;
        deps.log[state.lastError === message ? 'debug' : 'warn'](
          { node, silences: ids, attempts: state.attempts, retryInMs: delay, reason: message },
          'could not expire the silences of a node; retrying beside the decision cycle',
        );
        state.lastError = message;
      }
    };
    const run: Promise<void> = body().finally(() => {
      state.running = undefined;
      running.delete(run);
      deps.wake(`silence expiry of ${node} finished`);
    });
    state.running = run;
    running.add(run);
  }

  return {
    step(node, ids) {
      if (ids.length === 0) {
        pending.delete(node);
        return undefined;
      }
      const key = [...ids].sort().join(',');
      let state = pending.get(node);
      if (!state || state.key !== key || state.cancelled) {
        if (state?.running) return undefined; // the old attempt's end wakes the loop
        state = { key, attempts: 0, nextAt: 0 };
        pending.set(node, state);
      }
      if (state.running) return undefined;
      const now = deps.clock().getTime();
      if (now < state.nextAt) return new Date(state.nextAt);
      attempt(node, ids, state);
      return undefined;
    },
    async cancel(node) {
      const state = pending.get(node);
      if (!state) return;
      state.cancelled = true;
      pending.delete(node);
      await state.running;
    },
    async settled() {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
