// Pushes the status to whoever watches it (the page's event stream, `kreboot status --watch`). It
// is rebuilt when the watch-fed view reports a change, a burst of changes coalesced into one
// rebuild, and otherwise every `tickMs` while someone listens (for what no watch reports: the
// notification queues, the time left). Listeners hear only a status that differs from the last.

import type { Status } from './status.ts';

export interface StatusFeed {
  /** Something may have changed: rebuild soon. */
  changed(): void;
  subscribe(listener: (status: Status) => void): () => void;
  readonly listeners: number;
  close(): void;
}

export interface StatusFeedOptions {
  readonly build: () => Status;
  /** Coalescing delay after a change. */
  readonly settleMs?: number;
  readonly tickMs?: number;
}

export function createStatusFeed(options: StatusFeedOptions): StatusFeed {
  const settleMs = options.settleMs ?? 20;
  const tickMs = options.tickMs ?? 2000;
  const listeners = new Set<(status: Status) => void>();
  let last = '';
  let pending: NodeJS.Timeout | undefined;
  let ticker: NodeJS.Timeout | undefined;
  let closed = false;

  function flush(): void {
    pending = undefined;
    if (listeners.size === 0) return;
    const status = options.build();
    const text = JSON.stringify(status);
    if (text === last) return;
    last = text;
    for (const listener of listeners) listener(status);
  }

  function changed(): void {
    if (closed || pending || listeners.size === 0) return;
    pending = setTimeout(flush, settleMs);
    pending.unref?.();
  }

  return {
    changed,
    subscribe(listener) {
      if (closed) return () => {};
      listeners.add(listener);
      // A new listener is told the current status at once, even if it equals the last one sent.
      const status = options.build();
      if (listeners.size === 1) last = JSON.stringify(status);
      listener(status);
      if (!ticker) {
        ticker = setInterval(flush, tickMs);
        ticker.unref?.();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && ticker) {
          clearInterval(ticker);
          ticker = undefined;
        }
      };
    },
    get listeners() {
      return listeners.size;
    },
    close() {
      closed = true;
      if (pending) clearTimeout(pending);
      if (ticker) clearInterval(ticker);
      listeners.clear();
    },
  };
}
