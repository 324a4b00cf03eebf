// The agent's own entry point, bundled into dist/kreboot-agent.cjs (scripts/build-bundles.ts,
// ADR 0006): what the DaemonSet runs. It takes the same arguments as `kreboot agent …` but holds
// only the agent, so no node loads the controller's code or dependencies.

import { EXIT_USAGE, exitWith } from '../process/exit.ts';
import { VERSION } from '../version.ts';
import { main } from './main.ts';

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version' || command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (command !== 'agent') {
    process.stderr.write(
      `kreboot-agent: this build runs only "kreboot agent [flags]" (got ${command === undefined ? 'no command' : `"${command}"`}); the other commands are in dist/cli.js\n`,
    );
    return EXIT_USAGE;
  }
  return main(rest);
}

exitWith('kreboot-agent', run(process.argv.slice(2)));
