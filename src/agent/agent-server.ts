// The agent's HTTP server: GET /metrics, /healthz and /readyz, nothing else — no endpoint can
// trigger anything. Plain node:http rather than the shared express server (src/http/base-server.ts):
// the same three routes, without loading express into a process that runs on every node
// (docs/agent.md, memory).

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { applyLimits, DEFAULT_LIMITS, serverOptions } from '../http/server-limits.ts';

export interface AgentServer {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

export function startAgentServer(registry: Registry, host: string, port: number, ready: () => boolean = () => true): Promise<AgentServer> {
  const server = createServer(serverOptions(DEFAULT_LIMITS), (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const send = (status: number, type: string, body: string, close = false) => {
      // A refused request's body is not read: the connection closes instead (src/http/refuse-unread.ts).
      res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), ...(close ? { Connection: 'close' } : {}) });
      res.end(req.method === 'HEAD' ? undefined : body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n', true);
    if (path === '/healthz') return send(200, 'text/plain', 'ok');
    if (path === '/readyz') return ready() ? send(200, 'text/plain', 'ok') : send(503, 'text/plain', 'not ready');
    if (path === '/metrics') {
      registry.metrics().then(
        (text) => send(200, registry.contentType, text),
        (error: unknown) => send(500, 'text/plain', `cannot collect metrics: ${(error as Error).message}\n`),
      );
      return;
    }
    send(404, 'text/plain', 'not found\n');
  });
  applyLimits(server, DEFAULT_LIMITS);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: host === '' ? undefined : host }, () => {
      server.off('error', reject);
      resolve({
        server,
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
