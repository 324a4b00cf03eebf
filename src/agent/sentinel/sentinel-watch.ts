// Notices the sentinel file at once: an inotify watch (fs.watch) on the file's folder, since the
// file itself comes and goes — /var/run/reboot-required is created by the package manager and
// removed by the reboot, never only modified — and may not exist when the agent starts. Only
// events naming the file count: /var/run sees pid files and sockets come and go all day.
//
// The watch only says "look now"; the periodic --period check stays the fallback, so anything
// that breaks the watch costs speed, never correctness. A missing folder or a watcher error
// (inotify limits, the folder removed) logs once and retries with a back-off; when the watch is
// back, one check covers what may have happened while it was down. Nothing here throws.

import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from '../../log/logger.ts';

export interface SentinelWatchOptions {
  /** The sentinel file (--reboot-sentinel); its folder is watched. */
  readonly path: string;
  readonly log: Logger;
  /** First retry after a failure; doubles up to retryMaxMs. */
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

/** Something that calls `onChange` when the sentinel may have changed. */
export interface ChangeSource {
  start(onChange: () => void): void;
  stop(): void;
}

const RETRY_MIN_MS = 1_000;
/** A folder that is missing for good costs one failed inotify_add_watch a minute. */
const RETRY_MAX_MS = 60_000;

export class SentinelWatch implements ChangeSource {
  private readonly options: SentinelWatchOptions;
  private readonly dir: string;
  private readonly name: string;
  private watcher: FSWatcher | undefined;
  /** The watched folder's inode: tells "the folder went away" from a file that has its name. */
  private inode: number | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs: number;
  private onChange: (() => void) | undefined;
  /** The kind (error code) of failure last logged; the same again is not logged (a folder missing for hours). */
  private failure: string | undefined;
  private stopped = false;

  constructor(options: SentinelWatchOptions) {
    this.options = options;
    this.dir = dirname(options.path);
    this.name = basename(options.path);
    this.retryMs = options.retryMinMs ?? RETRY_MIN_MS;
  }

  /** True while the folder is being watched (tests and logs). */
  get watching(): boolean {
    return this.watcher !== undefined;
  }

  start(onChange: () => void): void {
    this.onChange = onChange;
    this.stopped = false;
    this.open(false);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.close();
  }

  /** `recovered`: the watch was down, so the file may have changed unseen: check once. */
  private open(recovered: boolean): void {
    if (this.stopped) return;
    const { log } = this.options;
    let watcher: FSWatcher;
    try {
      this.inode = statSync(this.dir).ino;
      watcher = watch(this.dir, { persistent: false }, (_event, filename) => this.event(filename));
    } catch (error) {
      this.fail(error as NodeJS.ErrnoException);
      return;
    }
    watcher.on('error', (error: NodeJS.ErrnoException) => {
      if (this.watcher !== watcher) return;
      this.close();
      this.fail(error);
    });
    this.watcher = watcher;
    this.retryMs = this.options.retryMinMs ?? RETRY_MIN_MS;
    if (this.failure !== undefined) log.info({ dir: this.dir }, 'watching the sentinel folder again');
    else log.debug({ dir: this.dir }, 'watching the sentinel folder');
    this.failure = undefined;
    if (recovered) this.onChange?.();
  }

  private event(filename: string | Buffer | null): void {
    if (this.stopped) return;
    const name = filename === null ? null : String(filename);
    // The folder itself removed or renamed (inotify names it by its own name, then drops the
    // watch): take a new one on whatever folder has the path now.
    if (name === basename(this.dir) && name !== this.name && !this.sameFolder()) {
      this.close();
      this.fail(Object.assign(new Error('the watched folder was removed or renamed'), { code: 'ENOENT' }));
      return;
    }
    // No name (some platforms): anything may have changed.
    if (name === null || name === this.name) this.onChange?.();
  }

  private sameFolder(): boolean {
    try {
      return statSync(this.dir).ino === this.inode;
    } catch {
      return false;
    }
  }

  private close(): void {
    const watcher = this.watcher;
    this.watcher = undefined;
    try {
      watcher?.close();
    } catch {
      // already closed
    }
  }

  private fail(error: NodeJS.ErrnoException): void {
    if (this.stopped) return;
    const { log } = this.options;
    const code = error.code ?? 'ERROR';
    // Keyed by code: a folder removed, then missing on each retry, is one story, told once.
    const key = code;
    if (key !== this.failure) {
      const message =
        code === 'ENOENT'
          ? 'the sentinel folder does not exist (yet); checking every --period until it does'
          : 'cannot watch the sentinel folder; checking every --period and retrying the watch';
      log.warn({ dir: this.dir, error: error.message, code }, message);
      this.failure = key;
    }
    // The check at the next --period still happens; this only brings the instant notice back.
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.open(true);
    }, this.retryMs);
    this.retryTimer.unref();
    this.retryMs = Math.min(this.retryMs * 2, this.options.retryMaxMs ?? RETRY_MAX_MS);
  }
}
