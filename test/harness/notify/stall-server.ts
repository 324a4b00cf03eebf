// A loopback HTTP server that accepts requests and answers none of them until released: a chat
// service that hangs. It counts what is waiting so a test can show the caller finished meanwhile.

import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StallServer {
  readonly url: string;
  readonly port: number;
  /** Requests received and not answered yet. */
  readonly pending: number;
  readonly received: number;
  close(): Promise<void>;
}

export async function startStallServer(): Promise<StallServer> {
  const held = new Set<ServerResponse>();
  let received = 0;
  const server = createServer((req, res) => {
    received++;
    held.add(res);
    res.on('close', () => held.delete(res));
    req.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    get pending() {
      return held.size;
    },
    get received() {
      return received;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
