// The kubelet's own listener (--probe-port): /healthz and /readyz and nothing else, apart from the
// public routes. On the public listener a client holding its connections made the kubelet's
// probes, each a fresh connection, close on accept, and the kubelet restarted a healthy controller
// (issue 26, item 8). Nothing here reads a body or does work, so the probe answers cost nothing;
// its limits are its own and short (the kubelet opens one connection per probe and closes it).
// No express: plain node:http, like the agent's server.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Listening } from './base-server.ts';
import { applyLimits, serverOptions, type ServerLimits } from './server-limits.ts';

export const PROBE_LIMITS: ServerLimits = Object.freeze({
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 5_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
  // Startup, liveness and readiness probes, a few seconds apart: a handful at once at most.
  maxConnections: 64,
});

export function listenProbes(options: { host: string; port: number; ready: () => boolean; limits?: ServerLimits }): Promise<Listening> {
  const server = createServer(serverOptions(options.limits ?? PROBE_LIMITS), (req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const answer = (status: number, text: string) => {
      // A body that may still be arriving is not read: the connection closes with the answer.
      if (!req.complete) res.setHeader('connection', 'close');
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') answer(405, 'use GET');
    else if (path === '/healthz') answer(200, 'ok');
    else if (path === '/readyz') answer(options.ready() ? 200 : 503, options.ready() ? 'ok' : 'not ready');
    else answer(404, 'this port serves /healthz and /readyz only');
  });
  applyLimits(server, options.limits ?? PROBE_LIMITS);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port, host: options.host === '' ? undefined : options.host });
    server.once('listening', () => {
      server.off('error', reject);
      const failed = new Promise<Error>((fail) => server.once('error', fail));
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        failed,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
