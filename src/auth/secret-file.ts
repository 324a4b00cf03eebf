// A secret held in a file that can change under a running process: a Kubernetes Secret volume
// swaps its files atomically (a new ..data directory) when the Secret is rotated. The file is
// stat'ed at most once per `recheckMs` (on use, no timer), and read again when its identity
// (inode, modification time, size) changes. A rotation that leaves the file unreadable or empty
// keeps the last good secret, reported once, so a half-written update never opens or locks the door.

import { readFileSync, statSync } from 'node:fs';

export interface SecretFileEvents {
  /** The file changed and its new content is in use. */
  reloaded?(path: string): void;
  /** The file changed but cannot be used; the previous secret stays in use. */
  failed?(path: string, problem: string): void;
}

export interface SecretFile {
  readonly path: string;
  /** The current secret (trimmed), or undefined if none was ever readable. */
  current(): string | undefined;
}

/** Reads a secret file; trailing newlines (and surrounding blanks) are not part of the secret. */
export function readSecretFile(path: string, flag: string, problems: string[]): string | undefined {
  try {
    const secret = readFileSync(path, 'utf8').trim();
    if (secret === '') problems.push(`${flag}: ${path} is empty`);
    return secret === '' ? undefined : secret;
  } catch (error) {
    // The message names the file and the errno, never the content.
    problems.push(`${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    return undefined;
  }
}

function identity(path: string): string {
  try {
    const stat = statSync(path);
    return `${stat.ino}:${stat.mtimeMs}:${stat.size}`;
  } catch (error) {
    return `error:${(error as NodeJS.ErrnoException).code ?? ''}`;
  }
}

/** Opens `path` now (problems go to `problems`, for start-up) and follows it afterwards. */
export function openSecretFile(
  path: string,
  flag: string,
  problems: string[],
  options: { recheckMs?: number; now?: () => number; events?: SecretFileEvents } = {},
): SecretFile {
  const recheckMs = options.recheckMs ?? 1000;
  const now = options.now ?? Date.now;
  let seen = identity(path);
  let secret = readSecretFile(path, flag, problems);
  let checkedAt = now();
  return {
    path,
    current() {
      if (now() - checkedAt < recheckMs) return secret;
      checkedAt = now();
      const id = identity(path);
      if (id === seen) return secret;
      seen = id;
      const found: string[] = [];
      const next = readSecretFile(path, flag, found);
      if (next === undefined) options.events?.failed?.(path, found.join('; '));
      else {
        if (next !== secret) options.events?.reloaded?.(path);
        secret = next;
      }
      return secret;
    },
  };
}
