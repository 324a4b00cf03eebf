// Limits for every HTTP server kreboot runs (controller and agent). Node's defaults let a client
// hold a server open: 60 s to send headers, 300 s for a request, no cap on connections. These bound
// what one slow or greedy client can hold; every legitimate caller (Alertmanager, Prometheus,
// kubelet probes, the CLI) needs far less. No express here: the agent bundle imports this file.

import type { Server, ServerOptions } from 'node:http';

export interface ServerLimits {
  /** Time to receive the request headers (slowloris). */
  readonly headersTimeoutMs: number;
  /** Time to receive the whole request, body included (a 1 MiB webhook needs well under 1 s). */
  readonly requestTimeoutMs: number;
  /** How long an idle keep-alive connection stays open between requests. */
  readonly keepAliveTimeoutMs: number;
  /** How often Node checks the two timeouts above (its default, 30 s, lets them overrun by as much). */
  readonly checkIntervalMs: number;
  /** Open connections at most; more are closed on accept. Alertmanager and Prometheus use a handful. */
  readonly maxConnections: number;
}

export const DEFAULT_LIMITS: ServerLimits = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
  maxConnections: 256,
});

/** The options for http.createServer. */
export function serverOptions(limits: ServerLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.checkIntervalMs,
  };
}

/** What createServer's options cannot say: the connection cap and the idle-socket timeout. */
export function applyLimits(server: Server, limits: ServerLimits): void {
  server.maxConnections = limits.maxConnections;
  // A socket idle this long (no bytes either way) is closed, also while a response is pending.
  server.timeout = limits.requestTimeoutMs;
}
