// The HTTP server both roles share: /healthz, /readyz and /metrics on an express app, to which each
// role adds its own routes. Listening and closing are promise-based so main can await them. The
// server runs with the limits of server-limits.ts (timeouts, a connection cap).

import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import { notFound } from './refuse-unread.ts';
import { applyLimits, DEFAULT_LIMITS, serverOptions, type ServerLimits } from './server-limits.ts';

export interface BaseServerOptions {
  readonly registry: Registry;
  /** Ready when this returns true (for example: caches synced). */
  readonly ready?: () => boolean;
}

export function createBaseApp({ registry, ready = () => true }: BaseServerOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    if (ready()) res.type('text/plain').send('ok');
    else res.status(503).type('text/plain').send('not ready');
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return app;
}

export interface Listening {
  readonly server: Server;
  readonly port: number;
  /** Resolves if the server fails after it started listening (the process cannot serve any more). */
  readonly failed: Promise<Error>;
  close(): Promise<void>;
}

/**
 * Listens; rejects with the listen error (EADDRINUSE, EACCES) so the caller can stop the process.
 * Call it after every route is added: it adds the final 404, which does not read the body.
 */
export function listen(app: Express, host: string, port: number, limits: ServerLimits = DEFAULT_LIMITS): Promise<Listening> {
  app.use(notFound);
  return new Promise((resolve, reject) => {
    const server = createServer(serverOptions(limits), app);
    applyLimits(server, limits);
    server.once('error', reject);
    server.listen({ port, host: host === '' ? undefined : host });
    server.once('listening', () => {
      server.off('error', reject);
      const failed = new Promise<Error>((fail) => server.once('error', fail));
      const address = server.address() as AddressInfo;
      resolve({
        server,
        port: address.port,
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
