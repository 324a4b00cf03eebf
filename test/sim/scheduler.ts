// The simulation's scheduler: a virtual clock, a queue of timed events (the controllers' timers,
// pods disappearing, hosts rebooting) and the API calls in flight. Every API call a controller
// makes waits here until the run picks it; picking one applies it to the model (or applies a
// fault) and settles the caller's promise. Nothing runs on real time, and every choice comes from
// one seeded generator, so a seed replays the same run.

import type { Timers } from '../../src/controller/work-loop.ts';

export interface TimedEvent {
  readonly at: number;
  readonly seq: number;
  readonly label: string;
  readonly run: () => void;
  /** The controller process that set it (a timer); dropped once that process is gone. */
  readonly owner: number | undefined;
  cancelled: boolean;
}

export interface PendingCall {
  readonly seq: number;
  readonly owner: number;
  /** What the call does, for the trace (computed only when tracing). */
  readonly label: () => string;
  /** The Node a write targets, if any (a concurrent writer may change it first). */
  readonly node: string | undefined;
  /** outside: a call to Alertmanager or Prometheus (outside.ts). */
  readonly kind: 'read' | 'write' | 'evict' | 'outside';
  readonly apply: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

export class Scheduler {
  now: number;
  readonly random: () => number;
  private readonly timed: TimedEvent[] = [];
  readonly pending: PendingCall[] = [];
  private seq = 0;
  private readonly start: number;
  readonly trace: string[] | undefined;
  private readonly alive: (owner: number) => boolean;

  constructor(options: { start: number; random: () => number; trace: boolean; alive: (owner: number) => boolean }) {
    this.now = options.start;
    this.start = options.start;
    this.random = options.random;
    this.trace = options.trace ? [] : undefined;
    this.alive = options.alive;
  }

  /** One trace line, stamped with the virtual time since the start of the run. */
  note(line: string | (() => string)): void {
    if (this.trace)
      this.trace.push(`+${((this.now - this.start) / 1000).toFixed(1).padStart(7)}s ${typeof line === 'string' ? line : line()}`);
  }

  int(below: number): number {
    return Math.floor(this.random() * below);
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  at(at: number, label: string, run: () => void, owner?: number): TimedEvent {
    const event: TimedEvent = { at: Math.max(at, this.now), seq: ++this.seq, label, run, owner, cancelled: false };
    this.timed.push(event);
    return event;
  }

  /** The Timers a controller process's work loop uses: virtual, and gone with the process. */
  timersFor(owner: number): Timers {
    return {
      setTimeout: (callback, ms) => this.at(this.now + ms, `timer of controller #${owner}`, callback, owner),
      clearTimeout: (handle) => {
        (handle as TimedEvent).cancelled = true;
      },
    };
  }

  /** The earliest live timed event, if any. */
  nextAt(): number | undefined {
    let next: number | undefined;
    let kept = 0;
    // Cancelled timers and those of dead processes are dropped here, so the queue stays short.
    for (const event of this.timed) {
      if (event.cancelled || (event.owner !== undefined && !this.alive(event.owner))) continue;
      this.timed[kept++] = event;
      if (next === undefined || event.at < next) next = event.at;
    }
    this.timed.length = kept;
    return next;
  }

  /** Moves the clock to `to` and runs every event due by then, earliest first. */
  advanceTo(to: number): number {
    if (to > this.now) this.now = to;
    let fired = 0;
    for (;;) {
      let due: TimedEvent | undefined;
      for (const event of this.timed) {
        if (event.at > this.now) continue;
        if (!due || event.at < due.at || (event.at === due.at && event.seq < due.seq)) due = event;
      }
      if (!due) return fired;
      this.timed.splice(this.timed.indexOf(due), 1);
      if (due.cancelled || (due.owner !== undefined && !this.alive(due.owner))) continue;
      fired++;
      if (!due.label.startsWith('timer')) this.note(due.label);
      due.run();
    }
  }

  /** An API call of controller process `owner`: settled when the run picks it. */
  call<T>(owner: number, label: () => string, kind: PendingCall['kind'], apply: () => T, node?: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ seq: ++this.seq, owner, label, node, kind, apply, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  take(call: PendingCall): void {
    this.pending.splice(this.pending.indexOf(call), 1);
  }

  /** Drops the calls of a process that died: their promises never settle. */
  dropCalls(owner: number): void {
    for (let i = this.pending.length - 1; i >= 0; i--) if (this.pending[i]!.owner === owner) this.pending.splice(i, 1);
  }
}

/** Lets every promise continuation that is ready run (the controllers react to a settled call). */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
