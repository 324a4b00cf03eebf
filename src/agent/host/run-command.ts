// Runs one program without a shell and reports how it ended: exited (with code and the tail of its
// output), timed out, or could not start. It never throws, because a sentinel or reboot command
// that misbehaves must become a reported outcome, never a crash of the agent (kured #976).

import { spawn } from 'node:child_process';

export type CommandOutcome =
  | {
      readonly kind: 'exited';
      readonly code: number | null;
      readonly signal: NodeJS.Signals | null;
      readonly stderr: string;
      readonly stdout: string;
    }
  | { readonly kind: 'timeout'; readonly stderr: string; readonly stdout: string }
  | { readonly kind: 'spawn-error'; readonly message: string };

export interface RunOptions {
  /** Kill the command (and its process group) after this long; undefined waits forever. */
  readonly timeoutMs?: number;
  /** Keep only this many trailing characters of each output stream (they end up in annotations). */
  readonly maxOutput?: number;
}

export function runCommand(argv: readonly string[], { timeoutMs, maxOutput = 2048 }: RunOptions = {}): Promise<CommandOutcome> {
  const [file, ...args] = argv;
  if (file === undefined) return Promise.resolve({ kind: 'spawn-error', message: 'empty command' });
  return new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let settled = false;
    const settle = (outcome: CommandOutcome) => {
      if (settled) return;
      settled = true;
      if (timer) clearTimeout(timer);
      resolve(outcome);
    };
    // detached: the command leads its own process group, so a timeout kills `sh -c` and its
    // children too, not only the first process.
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const keep = (text: string, chunk: Buffer) => (text + chunk.toString('utf8')).slice(-maxOutput);
    child.stdout.on('data', (chunk: Buffer) => (stdout = keep(stdout, chunk)));
    child.stderr.on('data', (chunk: Buffer) => (stderr = keep(stderr, chunk)));
    child.once('error', (error) => settle({ kind: 'spawn-error', message: error.message }));
    child.once('close', (code, signal) => {
      settle(timedOut ? { kind: 'timeout', stderr, stdout } : { kind: 'exited', code, signal, stderr, stdout });
    });
    const timer =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            try {
              if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
            } catch {
              child.kill('SIGKILL');
            }
          }, timeoutMs);
  });
}

/** One line describing how a command ended, for logs, annotations and job failures. */
export function describeOutcome(outcome: CommandOutcome): string {
  switch (outcome.kind) {
    case 'spawn-error':
      return `could not start: ${outcome.message}`;
    case 'timeout':
      return `timed out${outcome.stderr.trim() ? `: ${outcome.stderr.trim()}` : ''}`;
    case 'exited': {
      const how = outcome.code === null ? `killed by ${outcome.signal ?? 'a signal'}` : `exit code ${outcome.code}`;
      return `${how}${outcome.stderr.trim() ? `: ${outcome.stderr.trim()}` : ''}`;
    }
  }
}
