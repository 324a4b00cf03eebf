#!/usr/bin/env node
// The kreboot binary: one entry point, one subcommand per role or operator action.

import { EXIT_USAGE, exitWith } from './process/exit.ts';
import { VERSION } from './version.ts';

const SUBCOMMANDS: Record<string, () => Promise<{ main(argv: string[]): Promise<number> }>> = {
  controller: () => import('./controller/main.ts'),
  agent: () => import('./agent/main.ts'),
  status: () => import('./cli/operator.ts'),
  plan: () => import('./cli/operator.ts'),
  pause: () => import('./cli/operator.ts'),
  resume: () => import('./cli/operator.ts'),
  reboot: () => import('./cli/operator.ts'),
};

const HELP = `kreboot ${VERSION}: safe, event-driven reboots of Kubernetes nodes

Usage:
  kreboot controller [flags]   run the controller (Alertmanager webhook, gates, rollout)
  kreboot agent [flags]        run the node agent (sentinel, metric, reboot jobs)
  kreboot status [--watch]     show each node's phase and why it waits (--watch: live)
  kreboot plan                 the order, waves and holds of the pending reboots, and how long (dry run)
  kreboot reboot NODE          request a reboot of NODE
  kreboot pause [--reason=…]   stop starting new reboots
  kreboot resume               resume after a pause or a halt

Run "kreboot <command> --help" for the flags of a command.
`;

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? EXIT_USAGE : 0;
  }
  if (command === '--version' || command === 'version') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const load = SUBCOMMANDS[command];
  if (!load) {
    process.stderr.write(`kreboot: unknown command "${command}"\n\n${HELP}`);
    return EXIT_USAGE;
  }
  const module = await load();
  return module.main(command === 'controller' || command === 'agent' ? rest : argv);
}

exitWith('kreboot', run(process.argv.slice(2)));
