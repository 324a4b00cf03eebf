// A loopback HTTP server on an OS-assigned port that records every request, for tests that need a
// receiver: an Alertmanager webhook, a chat service, a generic notification URL. Responses can be
// set per path (or by a function) to exercise error handling.

import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor, type WaitOptions } from './wait-for.ts';

export interface SinkRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly at: Date;
  /** The body parsed as JSON, or undefined when it is not JSON. */
  json<T = unknown>(): T | undefined;
}

export interface SinkResponse {
  readonly status?: number;
  readonly body?: string | object;
  readonly headers?: Record<string, string>;
  /** Answer only after this long (to test timeouts). */
  readonly delayMs?: number;
}

export type Responder = (request: SinkRequest) => SinkResponse | undefined;

export interface HttpSink {
  /** `http://127.0.0.1:<port>` without a trailing slash. */
  readonly url: string;
  readonly port: number;
  readonly requests: readonly SinkRequest[];
  /** Sets the response for requests whose path starts with `pathPrefix` (default 200 "ok"). */
  respond(pathPrefix: string, response: SinkResponse | Responder): void;
  /** Requests whose path starts with the prefix, in arrival order. */
  received(pathPrefix?: string): SinkRequest[];
  /** Waits until a request satisfying `match` has arrived, and returns it. */
  waitForRequest(match: (request: SinkRequest) => boolean, options?: WaitOptions): Promise<SinkRequest>;
  clear(): void;
  close(): Promise<void>;
}

export async function startHttpSink(): Promise<HttpSink> {
  const requests: SinkRequest[] = [];
  const routes: Array<{ prefix: string; response: SinkResponse | Responder }> = [];

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const recorded: SinkRequest = {
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        headers: req.headers,
        body,
        at: new Date(),
        json<T>() {
          try {
            return JSON.parse(body) as T;
          } catch {
            return undefined;
          }
        },
      };
      requests.push(recorded);
      // The longest matching prefix wins, so a specific path can override a catch-all.
      const route = routes.filter((r) => recorded.path.startsWith(r.prefix)).sort((a, b) => b.prefix.length - a.prefix.length)[0];
      const chosen = typeof route?.response === 'function' ? route.response(recorded) : route?.response;
      const response = chosen ?? {};
      const payload = typeof response.body === 'object' ? JSON.stringify(response.body) : (response.body ?? 'ok');
      const headers = { 'content-type': typeof response.body === 'object' ? 'application/json' : 'text/plain', ...response.headers };
      const send = () => res.writeHead(response.status ?? 200, headers).end(payload);
      if (response.delayMs) setTimeout(send, response.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    respond(prefix, response) {
      const existing = routes.findIndex((r) => r.prefix === prefix);
      if (existing !== -1) routes.splice(existing, 1);
      routes.push({ prefix, response });
    },
    received(prefix = '/') {
      return requests.filter((r) => r.path.startsWith(prefix));
    },
    waitForRequest(match, options = {}) {
      return waitFor(() => requests.find(match), { what: 'a matching request at the HTTP sink', ...options });
    },
    clear() {
      requests.length = 0;
    },
    close() {
      return new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
