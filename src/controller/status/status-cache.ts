// The status is built from every node the controller knows, so it is built once per change, not
// once per request: a page open in many browsers, `kreboot status --watch` and a scraper asking
// every second cost one build. Any change the controller hears of (the watch, an operator action,
// a recorded request) drops the cached copy; otherwise it is kept for at most a second, for what no
// event reports (notification queues, time left, the leader's identity).

import type { Status } from './status.ts';

const STATUS_MAX_AGE_MS = 1000;

export interface StatusCache {
  /** Wraps a builder: the returned function builds only when nothing current is cached. */
  get(build: () => Status): () => Status;
  clear(): void;
}

export function createStatusCache(now: () => number = () => performance.now(), maxAgeMs = STATUS_MAX_AGE_MS): StatusCache {
  let cached: { status: Status; at: number } | undefined;
  return {
    get(build) {
      return () => {
        const at = now();
        if (cached && at - cached.at < maxAgeMs) return cached.status;
        const status = build();
        cached = { status, at };
        return status;
      };
    },
    clear() {
      cached = undefined;
    },
  };
}
