// Builds the argv that runs a command in the host's mount namespace: `<nsenter> -m<ns> -- <argv…>`.
// With hostPID, /proc/1 is the host's init, so its mount namespace is the host's file system.

import { CommandSplitError, splitCommand } from './split-command.ts';

const HOST_MOUNT_NAMESPACE = '/proc/1/ns/mnt';

export interface HostCommandOptions {
  readonly nsenter: string;
  /** The mount namespace to enter; tests use /proc/self/ns/mnt (their own) instead of init's. */
  readonly mountNamespace?: string;
}

export function hostArgv(command: readonly string[], { nsenter, mountNamespace = HOST_MOUNT_NAMESPACE }: HostCommandOptions): string[] {
  return [nsenter, `-m${mountNamespace}`, '--', ...command];
}

/** Splits a flag's command line; returns a problem message instead of throwing. */
export function parseCommandFlag(flag: string, text: string): { argv: string[] } | { problem: string } {
  try {
    const argv = splitCommand(text);
    if (argv.length === 0) return { problem: `--${flag}: the command is empty` };
    return { argv };
  } catch (error) {
    if (error instanceof CommandSplitError) return { problem: `--${flag}: cannot split "${text}": ${error.message}` };
    throw error;
  }
}
