// The agent's configuration: every flag it uses, typed and frozen.

import { deepFreeze } from './deep-freeze.ts';
import { commonConfig, readFlags, type CommonConfig, type Loaded } from './load-config.ts';

export interface AgentConfig extends CommonConfig {
  readonly nodeId: string;
  readonly periodMs: number;
  readonly rebootSentinel: string;
  readonly rebootSentinelCommand: string;
  readonly sentinelCommandTimeoutMs: number;
  readonly rebootMethod: 'command' | 'signal';
  readonly rebootCommand: string;
  readonly rebootSignal: number;
  readonly rebootDelayMs: number;
  readonly bootIdFile: string;
  readonly procStatFile: string;
  readonly nsenter: string;
  /** Host hooks (ADR 0019): the command run for each hook point; '' is none. */
  readonly preDrainHookCommand: string;
  readonly postRebootHookCommand: string;
  /** --pools-file: the reboot method of the pool a job names (docs/pools.md); empty: the flags only. */
  readonly poolsFile?: string;
  /** --require-lock-slot: the lock a job's node must hold before the agent runs it; undefined: off. */
  readonly lockSlot?: { readonly namespace: string; readonly name: string; readonly annotation: string };
}

export function loadAgentConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Loaded<AgentConfig> {
  const { reader: r, parsed } = readFlags('agent', argv, env);
  const config: AgentConfig = {
    ...commonConfig(r),
    nodeId: r.string('node-id'),
    periodMs: r.duration('period'),
    rebootSentinel: r.string('reboot-sentinel'),
    rebootSentinelCommand: r.string('reboot-sentinel-command'),
    sentinelCommandTimeoutMs: r.duration('sentinel-command-timeout'),
    rebootMethod: r.string('reboot-method') as 'command' | 'signal',
    rebootCommand: r.string('reboot-command'),
    rebootSignal: r.int('reboot-signal', 1, 64),
    rebootDelayMs: r.duration('reboot-delay'),
    bootIdFile: r.string('boot-id-file'),
    procStatFile: r.string('proc-stat-file'),
    nsenter: r.string('nsenter'),
    preDrainHookCommand: r.string('pre-drain-hook-command'),
    postRebootHookCommand: r.string('post-reboot-hook-command'),
    poolsFile: r.string('pools-file'),
    ...lockSlotOf(r.string('require-lock-slot'), r.string('require-lock-slot-annotation'), r.problems),
  };

  if (config.nodeId === '') {
    r.problems.push(
      '--node-id: the agent needs its node name; set --node-id or KURED_NODE_ID (usually from the downward API: fieldRef spec.nodeName)',
    );
  }
  if (config.periodMs <= 0) r.problems.push('--period: must be greater than 0');
  if (config.sentinelCommandTimeoutMs <= 0) r.problems.push('--sentinel-command-timeout: must be greater than 0');
  if (config.rebootMethod === 'command' && config.rebootCommand.trim() === '')
    r.problems.push('--reboot-command: must not be empty with --reboot-method=command');
  return {
    config: deepFreeze(config),
    problems: r.problems,
    notices: parsed.notices,
    help: parsed.help,
    positionals: parsed.positionals,
    reader: r,
  };
}

/** --require-lock-slot NAMESPACE/NAME and its annotation; a malformed value is a problem, not "off". */
function lockSlotOf(value: string, annotation: string, problems: string[]): Pick<AgentConfig, 'lockSlot'> {
  if (value === '') return {};
  const match = /^([a-z0-9][-a-z0-9]*)\/([a-z0-9][-a-z0-9.]*)$/.exec(value);
  if (!match?.[1] || !match[2]) {
    problems.push(`--require-lock-slot: must be NAMESPACE/NAME of the lock DaemonSet, not "${value}"`);
    return {};
  }
  if (annotation === '') {
    problems.push('--require-lock-slot-annotation: must not be empty with --require-lock-slot');
    return {};
  }
  return { lockSlot: { namespace: match[1], name: match[2], annotation } };
}
