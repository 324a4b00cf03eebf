#!/usr/bin/env node
// `kubectl kreboot ...`: kubectl runs any executable named kubectl-<name> on the PATH as a plugin
// (no krew needed), passing the arguments after the plugin's name and its own environment
// (KUBECONFIG). Only the operator commands are offered; the controller and agent roles run from the
// image's `kreboot`.

import { dispatch, type CommandLoader } from './cli/dispatch.ts';
import { exitWith } from './process/exit.ts';
import { VERSION } from './version.ts';

const operator: CommandLoader = () => import('./cli/operator.ts');
const COMMANDS: Record<string, CommandLoader> = { status: operator, plan: operator, pause: operator, resume: operator, reboot: operator };

const HELP = `kubectl kreboot ${VERSION}: operate kreboot with your own Kubernetes identity

Usage:
  kubectl kreboot status [--watch]   each node's phase and why it waits (--watch: live)
  kubectl kreboot plan               the order, waves and holds of the pending reboots (dry run)
  kubectl kreboot reboot NODE        request a reboot of NODE
  kubectl kreboot pause [--reason=…] stop starting new reboots
  kubectl kreboot resume             resume after a pause or a halt

It reaches the controller through the API server with your kubeconfig (--kubeconfig, --context,
--namespace=kreboot, --service=kreboot-controller:http); cluster RBAC decides who may pause,
resume or reboot (docs/operator-view.md, "Who may act"). Run "kubectl kreboot <command> --help"
for every flag.
`;

exitWith('kubectl kreboot', dispatch('kubectl kreboot', HELP, COMMANDS, process.argv.slice(2)));
