// --reboot-method=signal: sends --reboot-signal (default 39, SIGRTMIN+5: systemd's "reboot") to the
// host's PID 1, which the agent sees with hostPID. The pid is injectable so tests signal a child
// process they own, never a real init.

import type { RebootOutcome, Rebooter } from './rebooter.ts';

export interface SignalRebooterOptions {
  readonly signal: number;
  readonly pid?: number;
}

export class SignalRebooter implements Rebooter {
  readonly signal: number;
  readonly pid: number;

  constructor({ signal, pid = 1 }: SignalRebooterOptions) {
    this.signal = signal;
    this.pid = pid;
  }

  reboot(): Promise<RebootOutcome> {
    try {
      process.kill(this.pid, this.signal);
      return Promise.resolve({ ok: true });
    } catch (error) {
      return Promise.resolve({ ok: false, message: `signal ${this.signal} to pid ${this.pid} refused: ${(error as Error).message}` });
    }
  }
}
