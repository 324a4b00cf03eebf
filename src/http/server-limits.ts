// Limits for every HTTP server kreboot runs (controller and agent). Node's defaults let a client
// hold a server open: 60 s to send headers, 300 s for a request, no cap on connections. These bound
// what one slow or greedy client can hold; every legitimate caller (Alertmanager, Prometheus,
// kubelet probes, the CLI) needs far less. No express here: the agent bundle imports this file.

import type { Server, ServerOptions } from 'node:http';
import type { Socket } from 'node:net';

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
  /**
   * Open connections from one client address at most; more are closed on accept. Without it one
   * client could hold all `maxConnections` and every other caller would be closed on accept
   * (issue 26, item 8). Absent: no per-address cap.
   */
  readonly maxConnectionsPerAddress?: number;
}

export const DEFAULT_LIMITS: ServerLimits = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  checkIntervalMs: 1_000,
  maxConnections: 256,
  // A quarter of the cap: four greedy addresses fill it, one cannot. Through a port-forward every
  // user shows as one address; that is the reader's side of it, the probes have their own port.
  maxConnectionsPerAddress: 64,
});

/**
 * The controller's public listener (webhook, status, API, metrics). On patch night Alertmanager
 * posts every aggregation group at once — the shipped route groups by node — with a connection
 * per group, all from one address. At 1,000 nodes, 256 connections in all and 64 per address
 * closed 2,634 of its 3,634 attempts on accept (each retried until delivered); these close 762 of
 * 1,762, for about 5 MB more at the peak (bench/alertmanager-burst.ts). One address still cannot
 * hold them all, and the agent keeps the defaults (only Prometheus calls it).
 */
export const CONTROLLER_LIMITS: ServerLimits = Object.freeze({
  ...DEFAULT_LIMITS,
  maxConnections: 1024,
  maxConnectionsPerAddress: 512,
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

/** What createServer's options cannot say: the connection caps and the idle-socket timeout. */
export function applyLimits(server: Server, limits: ServerLimits): void {
  server.maxConnections = limits.maxConnections;
  // A socket idle this long (no bytes either way) is closed, also while a response is pending.
  server.timeout = limits.requestTimeoutMs;
  const perAddress = limits.maxConnectionsPerAddress;
  if (perAddress === undefined) return;
  const open = new Map<string, number>();
  // Added first, so a connection over the cap is closed before the HTTP parser is set up for it.
  server.prependListener('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const count = open.get(address) ?? 0;
    if (count >= perAddress) {
      socket.destroy();
      return;
    }
    open.set(address, count + 1);
    socket.once('close', () => {
      const left = (open.get(address) ?? 1) - 1;
      if (left > 0) open.set(address, left);
      else open.delete(address);
    });
  });
}
