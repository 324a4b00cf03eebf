// A TCP proxy on loopback in front of the API server that can be stalled: while stalled no byte
// moves in either direction on any connection, old or new, as when a network path or an overloaded
// API server stops answering without closing anything. Used to prove that a replica whose Lease
// calls hang stops leading before another replica takes over.
// It can also trickle: the server's bytes reach the client one every `intervalMs`, so a connection
// never goes quiet for long (what an idle timeout waits for) yet an answer takes minutes.

import { createConnection, createServer, type Socket } from 'node:net';

export interface StallProxy {
  /** https://127.0.0.1:PORT — the API server's certificate names 127.0.0.1, so TLS still verifies. */
  readonly url: string;
  stall(): void;
  resume(): void;
  /** From now on, server-to-client bytes are passed on one every `intervalMs` (resume() ends it). */
  trickle(intervalMs: number): void;
  close(): Promise<void>;
}

export async function startStallProxy(target: { host: string; port: number }): Promise<StallProxy> {
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let stalled = false;
  let trickleMs = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    if (stalled) socket.pause();
  };
  /** Writes `chunk` to `to` one byte per trickle interval, then resumes `from`. */
  const drip = (from: Socket, to: Socket, chunk: Buffer) => {
    from.pause();
    let at = 0;
    const timer = setInterval(() => {
      if (to.destroyed || at >= chunk.length) {
        clearInterval(timer);
        timers.delete(timer);
        if (!stalled) from.resume();
        return;
      }
      to.write(chunk.subarray(at, ++at));
    }, trickleMs);
    timers.add(timer);
  };
  const server = createServer((client) => {
    track(client);
    const upstream = createConnection(target);
    track(upstream);
    // Written by hand rather than with pipe(): pipe() resumes a paused source on drain.
    const forward = (from: Socket, to: Socket, trickles: boolean) => {
      from.on('data', (chunk) => {
        if (trickles && trickleMs > 0) return drip(from, to, chunk);
        if (!to.write(chunk)) from.pause();
      });
      to.on('drain', () => {
        if (!stalled) from.resume();
      });
      from.on('end', () => to.end());
    };
    forward(client, upstream, false);
    forward(upstream, client, true);
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
      trickleMs = 0;
      for (const socket of sockets) socket.resume();
    },
    trickle(intervalMs) {
      trickleMs = intervalMs;
    },
    async close() {
      for (const timer of timers) clearInterval(timer);
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
