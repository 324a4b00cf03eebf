// Bounded concurrency, one idiom for the whole code (the cycle's record keeping, the drain's
// evictions, the benches' and tests' request bursts): at most `limit` calls in flight, items taken
// in order from any iterable, pulled only when a call is free (so a lazy generator of big items
// holds `limit` of them at a time, not all).
//
// Stopping: once a call rejects, or (everyLimit) answers false, no further call starts; calls
// already in flight are not cancelled. A rejection rejects the whole at once, as Promise.all
// does, so the caller never waits for work it will throw away.

async function runLimited<T, R>(
  items: Iterable<T>,
  limit: number,
  call: (item: T, index: number) => Promise<R>,
  stopAfter: (result: R) => boolean,
): Promise<{ results: R[]; stopped: boolean }> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  const iterator = items[Symbol.iterator]();
  const results: R[] = [];
  let next = 0;
  let stopped = false;
  let failed = false;
  const worker = async () => {
    while (!stopped && !failed) {
      const step = iterator.next();
      if (step.done) return;
      const index = next++;
      try {
        const result = await call(step.value, index);
        results[index] = result;
        if (stopAfter(result)) stopped = true;
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
  return { results, stopped };
}

/** Maps items with at most `limit` calls in flight; the results keep the items' order. */
export async function mapLimit<T, R>(items: Iterable<T>, limit: number, call: (item: T, index: number) => Promise<R>): Promise<R[]> {
  return (await runLimited(items, limit, call, () => false)).results;
}

/**
 * Calls `call` for the items, at most `limit` at once, until one answers false: then no further
 * call starts (those in flight finish) and the answer is false. True when every call said true.
 */
export async function everyLimit<T>(
  items: Iterable<T>,
  limit: number,
  call: (item: T, index: number) => Promise<boolean>,
): Promise<boolean> {
  return !(await runLimited(items, limit, call, (ok) => !ok)).stopped;
}
