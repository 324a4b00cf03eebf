// A TCP proxy on loopback in front of the API server that can be stalled: while stalled no byte
// moves in either direction on any connection, old or new, as when a network path or an overloaded
// API server stops answering without closing anything. Used to prove that a replica whose Lease
// calls hang stops leading before another replica takes over.

import { createConnection, createServer, type Socket } from 'node:net';

export interface StallProxy {
  /** https://127.0.0.1:PORT — the API server's certificate names 127.0.0.1, so TLS still verifies. */
  readonly url: string;
  stall(): void;
  resume(): void;
  close(): Promise<void>;
}

export async function startStallProxy(target: { host: string; port: number }): Promise<StallProxy> {
  const sockets = new Set<Socket>();
  let stalled = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (stalled) socket.pause();
  };
  const server = createServer((client) => {
    track(client);
    const upstream = createConnection(target);
    track(upstream);
    // Written by hand rather than with pipe(): pipe() resumes a paused source on drain.
    const forward = (from: Socket, to: Socket) => {
      from.on('data', (chunk) => {
        if (!to.write(chunk)) from.pause();
      });
      to.on('drain', () => {
        if (!stalled) from.resume();
      });
      from.on('end', () => to.end());
    };
    forward(client, upstream);
    forward(upstream, client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `https://127.0.0.1:${port}`,
    stall() {
      stalled = true;
      for (const socket of sockets) socket.pause();
    },
    resume() {
      stalled = false;
      for (const socket of sockets) socket.resume();
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
