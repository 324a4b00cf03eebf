// When the sentinel is checked: at start, every --period, at once when the controller asks
// (kreboot.dev/check-requested-at changed), and at once when the sentinel's watch (a file
// sentinel's folder, sentinel-watch.ts) sees it change. Checks never overlap; a request or change
// that arrives during a check runs one more check right after it, however many arrive (a burst of
// file events costs at most two checks). One timer, re-armed after each check.

import type { Logger } from '../../log/logger.ts';
import type { SentinelCheck, SentinelResult } from './sentinel-check.ts';
import type { ChangeSource } from './sentinel-watch.ts';

/**
 * `requested`: the check was asked for (start or controller), so its report is written even when
 * nothing changed; periodic and watch-triggered checks are not (the report is written when a
 * value differs or the last one is about a period old).
 */
type CheckListener = (result: SentinelResult, at: Date, requested: boolean) => Promise<void> | void;

export interface SentinelLoopOptions {
  readonly sentinel: SentinelCheck;
  readonly periodMs: number;
  readonly onResult: CheckListener;
  readonly log: Logger;
  /** Tells when the sentinel may have changed (a file sentinel's folder watch); none for commands. */
  readonly watch?: ChangeSource;
  readonly now?: () => Date;
}

export class SentinelLoop {
  private readonly options: SentinelLoopOptions;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private againRequested = false;
  private stopped = false;

  constructor(options: SentinelLoopOptions) {
    this.options = options;
  }

  /** Starts the watch, then runs the first check (so nothing falls between the two); resolves when it is done. */
  start(): Promise<void> {
    this.options.watch?.start(() => this.changed());
    return this.run(true);
  }

  /** Checks now (or right after the check in progress). */
  requestCheck(): void {
    if (this.running) {
      this.again = true;
      this.againRequested = true;
    } else void this.run(true);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.options.watch?.stop();
    clearTimeout(this.timer);
    await this.running;
  }

  /** The watch saw the sentinel change: check now (or right after the check in progress). */
  private changed(): void {
    if (this.stopped) return;
    if (this.running) this.again = true;
    else void this.run(false);
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
      this.againRequested = false;
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
      asked = this.againRequested;
    } while (this.again && !this.stopped);
  }
}
