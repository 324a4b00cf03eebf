// The agent as it ships: dist/kreboot-agent.cjs (built by scripts/build-bundles.ts, fresh for each
// test process) run with the node flags of the DaemonSet's command. Tests and benches that start
// an agent use this, so they exercise the bundle and the flags operators get, not src/ under type
// stripping.

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildAgentBundle } from '../../../scripts/build-bundles.ts';
import { findDoc, ROOT } from '../packaging/packaging-files.ts';

/** Where the image puts the bundle; the DaemonSet's command ends with it. */
const IMAGE_AGENT_BUNDLE = '/app/dist/kreboot-agent.cjs';

/** The node flags between `node` and the bundle in deploy/base's agent command. */
export function daemonSetNodeFlags(): string[] {
  const command: string[] = findDoc('deploy/base/agent-daemonset.yaml', 'DaemonSet').spec.template.spec.containers[0].command;
  if (command[0] !== 'node' || command.at(-1) !== IMAGE_AGENT_BUNDLE) {
    throw new Error(`the agent's command should be node [flags] ${IMAGE_AGENT_BUNDLE}, is: ${command.join(' ')}`);
  }
  return command.slice(1, -1);
}

let built: Promise<string> | undefined;

/** Builds the bundle once per process, inside the repository so node_modules resolves (runtime externals, if any). */
export function agentBundle(): Promise<string> {
  built ??= (async () => {
    const dir = join(ROOT, '.tmp/agent-bundle', String(process.pid));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const outfile = join(dir, 'kreboot-agent.cjs');
    await buildAgentBundle(outfile);
    return outfile;
  })();
  return built;
}

/** `node` arguments that start the shipped agent: the DaemonSet's flags, then the bundle. */
export async function shippedAgentArgs(): Promise<string[]> {
  return [...daemonSetNodeFlags(), await agentBundle()];
}
