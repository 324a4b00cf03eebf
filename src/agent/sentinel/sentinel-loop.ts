// When the sentinel is checked: at start, every --period, and at once when the controller asks
// (kreboot.dev/check-requested-at changed). Checks never overlap; a request that arrives during a
// check runs one more check right after it. One timer, re-armed after each check.

import type { Logger } from '../../log/logger.ts';
import type { SentinelCheck, SentinelResult } from './sentinel-check.ts';

/** `requested`: the check was asked for (start or controller) rather than the periodic one. */
type CheckListener = (result: SentinelResult, at: Date, requested: boolean) => Promise<void> | void;

export interface SentinelLoopOptions {
  readonly sentinel: SentinelCheck;
  readonly periodMs: number;
  readonly onResult: CheckListener;
  readonly log: Logger;
  readonly now?: () => Date;
}

export class SentinelLoop {
  private readonly options: SentinelLoopOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(options: SentinelLoopOptions) {
    this.options = options;
  }

  /** Runs the first check; resolves when it is done. */
  start(): Promise<void> {
    return this.run(true);
  }

  /** Checks now (or right after the check in progress). */
  requestCheck(): void {
    if (this.running) this.again = true;
    else void this.run(true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private run(requested: boolean): Promise<void> {
    if (this.stopped) return Promise.resolve();
    clearTimeout(this.timer);
    this.running = this.loop(requested).finally(() => {
      this.running = undefined;
      if (!this.stopped) this.timer = setTimeout(() => void this.run(false), this.options.periodMs);
    });
    return this.running;
  }

  private async loop(requested: boolean): Promise<void> {
    const { sentinel, onResult, log, now = () => new Date() } = this.options;
    let asked = requested;
    do {
      this.again = false;
      let result: SentinelResult;
      try {
        result = await sentinel.check();
      } catch (error) {
        // Implementations do not throw; should one ever, it still means "not required".
        result = { required: false, error: `sentinel check threw: ${(error as Error).message}` };
      }
      if (result.error !== undefined) log.warn({ sentinelError: result.error }, 'sentinel check failed; treating as not required');
      try {
        await onResult(result, now(), asked);
      } catch (error) {
        log.error({ err: error }, 'handling the sentinel result failed');
      }
      asked = true;
    } while (this.again && !this.stopped);
  }
}
