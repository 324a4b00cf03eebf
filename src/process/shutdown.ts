// Graceful shutdown on SIGTERM/SIGINT, or when a part the process cannot run without fails (the
// HTTP server): run the registered closers in reverse order, once.

import type { Logger } from '../log/logger.ts';

export type Closer = () => Promise<void> | void;

/**
 * Resolves with the signal's name, or with 'failure' once `failure` resolves (after the closers
 * ran): the caller then exits non-zero instead of going on without that part.
 */
export function installShutdown(log: Logger, closers: Closer[], failure?: Promise<Error>): Promise<string> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      void (async () => {
        for (const close of [...closers].reverse()) {
          try {
            await close();
          } catch (error) {
            log.warn({ err: error }, 'error while shutting down');
          }
        }
        resolve(signal);
      })();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    void failure?.then(() => stop('failure'));
  });
}
