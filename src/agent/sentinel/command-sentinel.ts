// Sentinel command (--reboot-sentinel-command), run in the host mount namespace through nsenter.
// Exit 0 → required, exit 1 → not required; anything else (another code, a signal, a timeout, a
// program that cannot start) → not required plus an error, never a reboot (kured #976: a missing
// binary made kured reboot hourly).

import { hostArgv, type HostCommandOptions } from '../host/host-command.ts';
import { describeOutcome, runCommand } from '../host/run-command.ts';
import type { SentinelCheck, SentinelResult } from './sentinel-check.ts';

export interface CommandSentinelOptions extends HostCommandOptions {
  readonly argv: readonly string[];
  readonly timeoutMs: number;
}

/** nsenter's own failures (no hostPID, no permission) also exit 1; they are errors, not "no reboot". */
const NSENTER_FAILURE = /^nsenter: /m;

export class CommandSentinel implements SentinelCheck {
  private readonly options: CommandSentinelOptions;

  constructor(options: CommandSentinelOptions) {
    this.options = options;
  }

  async check(): Promise<SentinelResult> {
    const outcome = await runCommand(hostArgv(this.options.argv, this.options), { timeoutMs: this.options.timeoutMs });
    if (outcome.kind === 'exited' && outcome.code === 0) return { required: true };
    if (outcome.kind === 'exited' && outcome.code === 1 && !NSENTER_FAILURE.test(outcome.stderr)) return { required: false };
    return { required: false, error: `sentinel command ${describeOutcome(outcome)}` };
  }
}
