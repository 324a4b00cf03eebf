// The reboot method of the pool a job names (docs/pools.md). The agent reads its own copy of the
// pools file (the chart mounts the controller's ConfigMap into both) when a job comes, and uses
// that pool's rebootMethod, rebootCommand and rebootSignal, its own flags for what the pool leaves
// out. A job carries a pool's name, never a command: whoever can write a Node's annotations can at
// most pick among the methods the operator declared. A job naming a pool the agent's file does not
// have (the two copies disagree) fails with the reason, and the controller restores the node.

import type { AgentConfig } from '../../config/agent-config.ts';
import { readPoolsFile } from '../../config/pools-file.ts';
import type { RebootJob } from '../../store/job-records.ts';
import type { Rebooter } from './rebooter.ts';

export function poolRebooter(
  config: AgentConfig,
  own: Rebooter,
  build: (config: AgentConfig, problems: string[]) => Rebooter,
): (job: RebootJob) => Rebooter {
  return (job) => {
    // Without a pools file (or for the default pool) the agent's flags decide, as before pools.
    if (!job.pool || !config.poolsFile) return own;
    const file = readPoolsFile(config.poolsFile);
    const entry = file.entries.find((pool) => pool.name === job.pool);
    const refuse = (message: string): Rebooter => ({ reboot: () => Promise.resolve({ ok: false, message }) });
    if (!entry)
      return refuse(
        file.problems.length > 0
          ? `the agent's pools file cannot be used: ${file.problems.join('; ')}`
          : `the job names pool "${job.pool}", which the agent's pools file (${config.poolsFile}) does not declare`,
      );
    if (entry.rebootMethod === undefined && entry.rebootCommand === undefined && entry.rebootSignal === undefined) return own;
    const problems: string[] = [];
    const rebooter = build(
      {
        ...config,
        rebootMethod: entry.rebootMethod ?? config.rebootMethod,
        rebootCommand: entry.rebootCommand ?? config.rebootCommand,
        rebootSignal: entry.rebootSignal ?? config.rebootSignal,
      },
      problems,
    );
    return problems.length > 0 ? refuse(`pool "${job.pool}": ${problems.join('; ')}`) : rebooter;
  };
}
