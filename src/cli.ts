#!/usr/bin/env node
// The kreboot binary: one entry point, one subcommand per role or operator action.

import { dispatch, type CommandLoader } from './cli/dispatch.ts';
import { exitWith } from './process/exit.ts';
import { VERSION } from './version.ts';

const SUBCOMMANDS: Record<string, CommandLoader> = {
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

// The roles take their flags only; the operator commands take their name first.
const argsFor = (command: string, argv: string[]) => (command === 'controller' || command === 'agent' ? argv.slice(1) : argv);

exitWith('kreboot', dispatch('kreboot', HELP, SUBCOMMANDS, process.argv.slice(2), argsFor));
