// Reads the host's boot ID (default /proc/sys/kernel/random/boot_id): it changes at every boot,
// which is how a reboot job is recognised as done (ADR 0002).

import { readFile } from 'node:fs/promises';

export type BootIdReader = () => Promise<string>;

export function bootIdReader(path: string): BootIdReader {
  return async () => {
    const id = (await readFile(path, 'utf8')).trim();
    if (id === '') throw new Error(`${path} is empty`);
    return id;
  };
}
