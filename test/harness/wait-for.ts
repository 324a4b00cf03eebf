// Deadline-based polling for tests: retry a check until it returns a value or the deadline passes.
// Tests wait for states, never for fixed times (the machines are shared and their speed varies).

export interface WaitOptions {
  /** Give up after this long; the error names `what` and the last failure seen. */
  readonly timeoutMs?: number;
  readonly intervalMs?: number;
  /** What is being waited for, for the timeout message ("pod web-1 Running"). */
  readonly what?: string;
}

/**
 * Calls `check` until it returns something other than `undefined`/`false`, and returns that.
 * A thrown error counts as "not yet" (the API may be briefly unavailable); the last one is reported.
 */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions = {}): Promise<Exclude<T, undefined | false>> {
  const { timeoutMs = 30_000, intervalMs = 100, what = 'condition' } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as Exclude<T, undefined | false>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError === undefined ? '' : `; last error: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
