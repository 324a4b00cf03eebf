// Child processes of the harness: output to a log file (kept for diagnosis), stopped by their own
// PID (never by name: other engineers' processes share the machine), and killed if the test
// process exits without stopping them.

import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves with the exit code (or the signal name) when the process ends. */
  readonly exited: Promise<number | string>;
  running(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** The last `lines` lines of the process's output. */
  tail(lines?: number): string;
}

export interface StartOptions {
  readonly logDir: string;
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

const live = new Set<ManagedProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort only: normal teardown stops everything gracefully before this runs.
  process.on('exit', () => {
    for (const child of live) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export function startProcess(name: string, command: string, args: readonly string[], options: StartOptions): ManagedProcess {
  installExitHook();
  const logPath = join(options.logDir, `${name}.log`);
  const fd = openSync(logPath, 'a');
  const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
  const pid = child.pid;
  let done = false;
  const exited = new Promise<number | string>((resolve) => {
    child.once('error', () => {
      done = true;
      resolve('spawn-error');
    });
    child.once('exit', (code, signal) => {
      done = true;
      resolve(code ?? signal ?? 'unknown');
    });
  });
  // A harness child must never keep the test process alive on its own.
  child.unref();

  const managed: ManagedProcess = {
    name,
    pid,
    logPath,
    exited,
    running: () => !done,
    async stop(graceMs = 5_000) {
      if (!done) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
        const timer = setTimeout(() => {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // already gone
          }
        }, graceMs);
        await exited;
        clearTimeout(timer);
      }
      live.delete(managed);
    },
    tail(lines = 40) {
      try {
        return readFileSync(logPath, 'utf8')
          .split('\n')
          .slice(-lines - 1)
          .join('\n');
      } catch {
        return '(no log)';
      }
    },
  };
  void exited.then(() => live.delete(managed));
  live.add(managed);
  return managed;
}
