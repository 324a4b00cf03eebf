// Reads when the host booted: the `btime` line of /proc/stat (seconds since the epoch), which the
// kernel fixes at boot. Reported on the Node (AGENT.bootTime) for reboots by age (--max-node-age).
// /proc/stat is not namespaced by PID or mount namespaces, so the agent's container sees the host's.

import { readFile } from 'node:fs/promises';

export type BootTimeReader = () => Promise<Date>;

/** The boot time in a /proc/stat text; throws naming what is wrong. */
export function parseBootTime(stat: string, path: string): Date {
  const match = /^btime\s+(\d+)\s*$/m.exec(stat);
  if (!match) throw new Error(`${path} has no "btime" line`);
  const seconds = Number(match[1]);
  if (!Number.isSafeInteger(seconds) || seconds <= 0) throw new Error(`${path}: btime ${match[1]} is not a time`);
  return new Date(seconds * 1000);
}

export function bootTimeReader(path: string): BootTimeReader {
  return async () => parseBootTime(await readFile(path, 'utf8'), path);
}
