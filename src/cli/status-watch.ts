// `kreboot status --watch`: follows the controller's status event stream (GET
// /api/v1/status/events) and shows every change as it happens. On a terminal the whole status is
// redrawn in place (and its "12 s ago" kept current every second); otherwise one plain line per
// change, for logs. A broken stream is opened again after a pause; Ctrl-C ends the watch.

import type { Status } from '../controller/status/status.ts';
import { changeLines, formatStatus } from './status-text.ts';

export interface WatchOutput {
  write(text: string): void;
  readonly isTTY: boolean;
}

const CLEAR = '\x1b[H\x1b[2J';
const RETRY_MS = 2000;

/** Splits a server-sent event stream into its `status` events' data. */
export function sseParser(onEvent: (event: string, data: string) => void): (chunk: string) => void {
  let buffer = '';
  return (chunk) => {
    buffer += chunk.replace(/\r\n/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length) onEvent(event, data.join('\n'));
    }
  };
}

/** Opens the event stream; by default a fetch of --server's `/api/v1/status/events`. */
export type OpenStream = (signal: AbortSignal) => Promise<AsyncIterable<Uint8Array | string>>;

function fetchStream(server: string): OpenStream {
  return async (signal) => {
    const response = await fetch(new URL('/api/v1/status/events', server), { signal, headers: { accept: 'text/event-stream' } });
    if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
    return response.body;
  };
}

export async function watchStatus(options: {
  server: string;
  out: WatchOutput;
  signal: AbortSignal;
  now?: () => Date;
  /** Another way to the stream (the CLI's, through the API server; `server` is then empty), and where it leads, for messages. */
  open?: OpenStream;
  where?: string;
}): Promise<void> {
  const { out, signal } = options;
  const now = options.now ?? (() => new Date());
  const open = options.open ?? fetchStream(options.server);
  let last: Status | undefined;
  const draw = () => {
    if (last) out.write(`${CLEAR}${formatStatus(last, { now: now(), server: options.server })}\n(live; Ctrl-C to stop)\n`);
  };
  const redraw = out.isTTY ? setInterval(draw, 1000) : undefined;
  redraw?.unref();
  try {
    while (!signal.aborted) {
      try {
        const stream = await open(signal);
        const parse = sseParser((event, data) => {
          if (event !== 'status') return;
          const status = JSON.parse(data) as Status;
          if (out.isTTY) {
            last = status;
            draw();
          } else {
            const lines = changeLines(last, status, now());
            last = status;
            if (lines.length) out.write(`${lines.join('\n')}\n`);
          }
        });
        const decoder = new TextDecoder();
        for await (const chunk of stream) parse(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
        if (!signal.aborted) throw new Error('the controller closed the stream');
      } catch (error) {
        if (signal.aborted) break;
        const message = `cannot follow ${options.where ?? options.server} (${(error as Error).message}); retrying`;
        out.write(out.isTTY ? `${CLEAR}${message}\n` : `${message}\n`);
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  } finally {
    if (redraw) clearInterval(redraw);
  }
}
