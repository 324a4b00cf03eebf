// One computation shared by every caller who asks while it runs or shortly after, for answers that
// are costly and asked for by anyone (GET /api/v1/plan: the gates' Prometheus query and pod list,
// and a plan over every pending node). An answer is reused while nothing changed (`invalidate`:
// the controller heard of a change) and it is younger than `maxAgeMs` (for what no event reports,
// such as an alert that starts firing). At most one computation runs at a time: callers after a
// change wait for the running one to end, then share the next. A failed computation is not kept.

export interface SharedComputation<T> {
  get(): Promise<T>;
  /** Something the answer depends on changed: the next caller gets a fresh one. */
  invalidate(): void;
  /** Computations started (tests, benches). */
  readonly computed: number;
}

export function createSharedComputation<T>(options: {
  compute: () => Promise<T>;
  maxAgeMs: number;
  now?: () => number;
}): SharedComputation<T> {
  const now = options.now ?? (() => performance.now());
  let generation = 0;
  let computed = 0;
  let latest: { promise: Promise<T>; startedAt: number; generation: number; running: boolean } | undefined;
  let next: Promise<T> | undefined;

  function start(): Promise<T> {
    computed++;
    const entry = { startedAt: now(), generation, running: true, promise: undefined as unknown as Promise<T> };
    entry.promise = options.compute().finally(() => {
      entry.running = false;
    });
    entry.promise.catch(() => {
      if (latest === entry) latest = undefined;
    });
    latest = entry;
    return entry.promise;
  }

  return {
    get() {
      // The age counts from the start: the answer describes the state read then.
      if (latest && latest.generation === generation && now() - latest.startedAt < options.maxAgeMs) return latest.promise;
      if (latest?.running) {
        next ??= latest.promise
          .then(
            () => undefined,
            () => undefined,
          )
          .then(() => {
            next = undefined;
            return start();
          });
        return next;
      }
      return start();
    },
    invalidate() {
      generation++;
    },
    get computed() {
      return computed;
    },
  };
}
