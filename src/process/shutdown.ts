// Graceful shutdown on SIGTERM/SIGINT: run the registered closers in reverse order, once.

import type { Logger } from '../log/logger.ts';

export type Closer = () => Promise<void> | void;

export function installShutdown(log: Logger, closers: Closer[]): Promise<string> {
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
  });
}
