// A loopback HTTP server that answers every request slowly but never goes quiet: the status and
// headers at once, then one byte of the body every `intervalMs` until `bytes` are sent. A client
// whose timeout only counts idle time (axios' `timeout`, a socket timeout) never fires against
// it; only a total deadline ends the call before the body does.

import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TrickleServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** When the whole body would have been sent, from the first byte: the bound a deadline must beat. */
  readonly fullBodyMs: number;
  close(): Promise<void>;
}

export async function startTrickleServer(options: { intervalMs?: number; bytes?: number } = {}): Promise<TrickleServer> {
  const intervalMs = options.intervalMs ?? 200;
  const bytes = options.bytes ?? 100;
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((req, res: ServerResponse) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json' });
    // A JSON string padded with spaces: valid only once the last byte is there.
    const body = `"${' '.repeat(Math.max(0, bytes - 2))}"`;
    let sent = 0;
    const timer = setInterval(() => {
      if (res.destroyed || sent >= body.length) {
        clearInterval(timer);
        timers.delete(timer);
        if (!res.destroyed) res.end();
        return;
      }
      res.write(body[sent++]!);
    }, intervalMs);
    timers.add(timer);
    res.on('close', () => {
      clearInterval(timer);
      timers.delete(timer);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fullBodyMs: intervalMs * bytes,
    async close() {
      for (const timer of timers) clearInterval(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
