// Sentinel file (--reboot-sentinel, default /var/run/reboot-required): its presence means a reboot
// is required. The host folder is mounted into the pod, so the file is read directly, no nsenter.

import { stat } from 'node:fs/promises';
import type { SentinelCheck, SentinelResult } from './sentinel-check.ts';

export class FileSentinel implements SentinelCheck {
  readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  async check(): Promise<SentinelResult> {
    try {
      await stat(this.path);
      return { required: true };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { required: false };
      // EACCES and the like: we cannot tell, so say "not required" and report why.
      return { required: false, error: `cannot read ${this.path}: ${(error as Error).message}` };
    }
  }
}
