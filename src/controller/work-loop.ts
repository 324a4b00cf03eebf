// A generic level-based work loop, apart from any reboot logic: wakes are coalesced (a wake during
// a pass runs exactly one more pass), passes never overlap, one timer is kept for the earliest
// requested time, a failed pass is retried with a capped exponential back-off, and `idle()` resolves
// when nothing runs. Time and timers come in as arguments, so the deterministic simulation drives
// the same loop on a virtual clock.

import type { Logger } from '../log/logger.ts';

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const REAL_TIMERS: Timers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface WorkLoop {
  wake(reason: string): void;
  /** Asks for a pass at this time (the earliest asked for wins). */
  requeueAt(at: number): void;
  /** Resolves when no pass is running or queued. */
  idle(): Promise<void>;
  /** No further pass starts; a running one finishes (await idle()). */
  stop(): void;
}

export interface WorkLoopOptions {
  /** One pass; returns the earliest time another pass is needed, if any. */
  readonly pass: () => Promise<number | undefined>;
  readonly clock: () => Date;
  readonly timers: Timers;
  readonly log: Logger;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
}

export function createWorkLoop(options: WorkLoopOptions): WorkLoop {
  const { clock, timers, log } = options;
  const initialBackoffMs = options.initialBackoffMs ?? 1000;
  const maxBackoffMs = options.maxBackoffMs ?? 30_000;
  let running: Promise<void> | undefined;
  let again = false;
  let timer: unknown;
  let timerAt = Infinity;
  let stopped = false;
  let backoffMs = initialBackoffMs;

  function requeueAt(at: number): void {
    if (stopped || at >= timerAt) return;
    if (timer !== undefined) timers.clearTimeout(timer);
    timerAt = at;
    timer = timers.setTimeout(
      () => {
        timer = undefined;
        timerAt = Infinity;
        wake('requeue');
      },
      Math.max(0, at - clock().getTime()),
    );
  }

  async function run(): Promise<void> {
    do {
      again = false;
      try {
        const next = await options.pass();
        backoffMs = initialBackoffMs;
        if (next !== undefined) requeueAt(next);
      } catch (error) {
        log.error({ err: error, retryInMs: backoffMs }, 'decision cycle failed; retrying');
        requeueAt(clock().getTime() + backoffMs);
        backoffMs = Math.min(backoffMs * 2, maxBackoffMs);
      }
    } while (again && !stopped);
    running = undefined;
  }

  function wake(reason: string): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    log.trace({ reason }, 'cycle');
    running = run();
  }

  return {
    wake,
    requeueAt,
    async idle() {
      while (running) await running;
    },
    stop() {
      stopped = true;
      if (timer !== undefined) timers.clearTimeout(timer);
      timer = undefined;
    },
  };
}
