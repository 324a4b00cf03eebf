// --reboot-method=command: runs --reboot-command (default /bin/systemctl reboot) in the host mount
// namespace and reports a non-zero exit with its code and stderr.

import { hostArgv, type HostCommandOptions } from '../host/host-command.ts';
import { describeOutcome, runCommand } from '../host/run-command.ts';
import type { RebootOutcome, Rebooter } from './rebooter.ts';

export interface CommandRebooterOptions extends HostCommandOptions {
  readonly argv: readonly string[];
}

export class CommandRebooter implements Rebooter {
  private readonly options: CommandRebooterOptions;

  constructor(options: CommandRebooterOptions) {
    this.options = options;
  }

  async reboot(): Promise<RebootOutcome> {
    // No timeout: `systemctl reboot` returns at once, and if it hangs the controller's
    // --reboot-timeout notices the node never came back.
    const outcome = await runCommand(hostArgv(this.options.argv, this.options));
    if (outcome.kind === 'exited' && outcome.code === 0) return { ok: true };
    const exitCode = outcome.kind === 'exited' && outcome.code !== null ? outcome.code : undefined;
    return { ok: false, exitCode, message: `reboot command ${describeOutcome(outcome)}` };
  }
}
