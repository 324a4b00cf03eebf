// A small client of qemu-guest-agent's JSON protocol on the VM's unix socket: how the harness runs
// commands inside a VM node without ssh or a network path to it. One connection per request,
// requests queued, because QEMU serves one client on the socket at a time; each request starts
// with guest-sync-delimited so a late reply to an earlier, timed-out request is never taken for
// this one's.

import { randomInt } from 'node:crypto';
import { connect } from 'node:net';
import { sleep } from '../wait-for.ts';

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface ExecStatus {
  readonly exited: boolean;
  readonly exitcode?: number;
  readonly signal?: number;
  readonly 'out-data'?: string;
  readonly 'err-data'?: string;
}

export class GuestAgent {
  private queue: Promise<unknown> = Promise.resolve();
  private readonly socketPath: string;

  constructor(socketPath: string) {
    this.socketPath = socketPath;
  }

  /** One agent command; rejects on the agent's error reply or after `timeoutMs` (guest down, agent not up yet). */
  request<T>(command: string, args?: object, timeoutMs = 10_000): Promise<T> {
    const run = () => this.roundTrip<T>(command, args, timeoutMs);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /**
   * Runs argv in the guest (as root, no shell) and waits for it. With `detach`, returns as soon as
   * the guest has started it (code 0, no output): for commands that take the guest down, such as
   * `systemctl reboot`.
   */
  async exec(argv: readonly string[], options: { timeoutMs?: number; detach?: boolean } = {}): Promise<ExecResult> {
    const [path, ...arg] = argv;
    if (!path) throw new Error('exec: empty argv');
    const timeoutMs = options.timeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    const { pid } = await this.request<{ pid: number }>('guest-exec', { path, arg, 'capture-output': !options.detach });
    if (options.detach) return { code: 0, stdout: '', stderr: '' };
    for (let interval = 50; ; interval = Math.min(interval * 2, 500)) {
      const status = await this.request<ExecStatus>('guest-exec-status', { pid });
      if (status.exited) {
        const text = (data?: string) => (data ? Buffer.from(data, 'base64').toString('utf8') : '');
        return { code: status.exitcode ?? 128 + (status.signal ?? 0), stdout: text(status['out-data']), stderr: text(status['err-data']) };
      }
      if (Date.now() > deadline) throw new Error(`guest command timed out after ${timeoutMs} ms: ${argv.join(' ')}`);
      await sleep(interval);
    }
  }

  private roundTrip<T>(command: string, args: object | undefined, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const socket = connect(this.socketPath);
      const syncId = randomInt(1, 2 ** 31);
      let synced = false;
      let buffered = '';
      const finish = (error: Error | undefined, value?: T) => {
        clearTimeout(timer);
        socket.destroy();
        if (error) reject(error);
        else resolve(value as T);
      };
      const timer = setTimeout(() => finish(new Error(`guest agent: ${command} timed out after ${timeoutMs} ms`)), timeoutMs);
      socket.on('error', (error) => finish(error));
      socket.on('close', () => finish(new Error(`guest agent: connection closed during ${command}`)));
      socket.on('connect', () => {
        // 0xff first: the agent drops any half-read input up to it, then answers the sync after a 0xff of its own.
        socket.write(
          Buffer.concat([
            Buffer.from([0xff]),
            Buffer.from(`${JSON.stringify({ execute: 'guest-sync-delimited', arguments: { id: syncId } })}\n`),
          ]),
        );
      });
      socket.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('latin1').replaceAll('\xff', '');
        let newline: number;
        while ((newline = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (!line) continue;
          let message: { return?: unknown; error?: { class?: string; desc?: string } };
          try {
            message = JSON.parse(Buffer.from(line, 'latin1').toString('utf8')) as typeof message;
          } catch {
            continue;
          }
          if (!synced) {
            if (message.return !== syncId) continue; // a stale reply to someone else's request
            synced = true;
            socket.write(`${JSON.stringify({ execute: command, ...(args ? { arguments: args } : {}) })}\n`);
          } else if (message.error) {
            finish(new Error(`guest agent: ${command}: ${message.error.class ?? ''} ${message.error.desc ?? ''}`.trim()));
          } else {
            finish(undefined, message.return as T);
          }
        }
      });
    });
  }
}
