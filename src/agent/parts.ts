// Builds the agent's replaceable parts from its configuration: the sentinel check (and, for a
// file, the watch that notices it at once) and the reboot method. Problems (a command that cannot be split) are returned so main reports them with the
// other configuration problems and exits 2.

import type { AgentConfig } from '../config/agent-config.ts';
import { parseCommandFlag } from './host/host-command.ts';
import { CommandRebooter } from './reboot/command-rebooter.ts';
import type { Rebooter } from './reboot/rebooter.ts';
import { SignalRebooter } from './reboot/signal-rebooter.ts';
import { CommandSentinel } from './sentinel/command-sentinel.ts';
import { FileSentinel } from './sentinel/file-sentinel.ts';
import type { SentinelCheck } from './sentinel/sentinel-check.ts';
import { SentinelWatch, type ChangeSource } from './sentinel/sentinel-watch.ts';
import type { Logger } from '../log/logger.ts';
import type { HookPoint } from '../store/hook-records.ts';

export function buildSentinel(config: AgentConfig, problems: string[]): SentinelCheck {
  if (config.rebootSentinelCommand.trim() === '') return new FileSentinel(config.rebootSentinel);
  const parsed = parseCommandFlag('reboot-sentinel-command', config.rebootSentinelCommand);
  if ('problem' in parsed) {
    problems.push(parsed.problem);
    return new FileSentinel(config.rebootSentinel);
  }
  return new CommandSentinel({ argv: parsed.argv, nsenter: config.nsenter, timeoutMs: config.sentinelCommandTimeoutMs });
}

/** A file sentinel is watched; a command's answer can change without any event, so it is polled only. */
export function buildSentinelWatch(sentinel: SentinelCheck, log: Logger): ChangeSource | undefined {
  return sentinel instanceof FileSentinel ? new SentinelWatch({ path: sentinel.path, log }) : undefined;
}

export function buildRebooter(config: AgentConfig, problems: string[]): Rebooter {
  if (config.rebootMethod === 'signal') return new SignalRebooter({ signal: config.rebootSignal });
  const parsed = parseCommandFlag('reboot-command', config.rebootCommand);
  if ('problem' in parsed) {
    problems.push(parsed.problem);
    return new SignalRebooter({ signal: config.rebootSignal });
  }
  return new CommandRebooter({ argv: parsed.argv, nsenter: config.nsenter });
}

/** The host hook commands (ADR 0019), by hook point; a command that cannot be split is a problem. */
export function buildHostHooks(config: AgentConfig, problems: string[]): Partial<Record<HookPoint, readonly string[]>> {
  const commands: Partial<Record<HookPoint, readonly string[]>> = {};
  const given: [HookPoint, string][] = [
    ['pre-drain', config.preDrainHookCommand],
    ['post-reboot', config.postRebootHookCommand],
  ];
  for (const [point, text] of given) {
    if (text.trim() === '') continue;
    const parsed = parseCommandFlag(`${point}-hook-command`, text);
    if ('problem' in parsed) problems.push(parsed.problem);
    else commands[point] = parsed.argv;
  }
  return commands;
}
