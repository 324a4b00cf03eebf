// A real HTTP server on 127.0.0.1:0 with the alerts router and a recording RequestSink fake.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createAlertsRouter, type AlertsRouterConfig } from '../../../src/intake/alerts-router.ts';
import type { RequestSink } from '../../../src/intake/request-sink.ts';
import { createAuthenticator, type Authenticator } from '../../../src/auth/authenticator.ts';

export const TOKEN = 's3cret-token';

export class RecordingSink implements RequestSink {
  readonly calls: string[] = [];
  readonly known: Set<string>;
  failing = false;
  pending = new Set<string>();
  constructor(known: string[]) {
    this.known = new Set(known);
  }
  async request(node: string, source: { kind: string; alertname?: string }): Promise<'accepted' | 'unknown-node'> {
    if (this.failing) throw new Error('apiserver unavailable');
    this.calls.push(`request:${node}:${source.kind}:${source.alertname ?? ''}`);
    if (!this.known.has(node)) return 'unknown-node';
    this.pending.add(node);
    return 'accepted';
  }
  async withdraw(node: string, source: { alertname: string }): Promise<'withdrawn' | 'not-pending' | 'unknown-node'> {
    if (this.failing) throw new Error('apiserver unavailable');
    this.calls.push(`withdraw:${node}:${source.alertname}`);
    if (!this.known.has(node)) return 'unknown-node';
    return this.pending.delete(node) ? 'withdrawn' : 'not-pending';
  }
}

export const CONFIG: AlertsRouterConfig = {
  webhook: { auth: 'auto', tokenFile: '/unused', username: '', passwordFile: '', bodyLimitBytes: 64 * 1024 },
  rebootAlert: /^RebootRequired$/,
  remediationAlert: undefined,
  alertNodeLabels: ['node', 'instance'],
};

export interface Fixture {
  readonly url: string;
  readonly sink: RecordingSink;
  readonly registry: Registry;
  readonly server: Server;
  close(): Promise<void>;
}

export async function startRouter(
  options: { auth?: Authenticator; config?: Partial<AlertsRouterConfig>; known?: string[] } = {},
): Promise<Fixture> {
  const sink = new RecordingSink(options.known ?? ['n1', 'n2', 'n3']);
  const registry = new Registry();
  const app = express();
  app.use(
    createAlertsRouter({
      config: { ...CONFIG, ...options.config },
      sink,
      log: pino({ level: 'silent' }),
      registry,
      auth: options.auth ?? createAuthenticator({ token: TOKEN }),
    }),
  );
  const server = createServer(app);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/v1/alerts`,
    sink,
    registry,
    server,
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}

export function alertBody(alerts: { status?: string; labels: Record<string, string> }[]): string {
  return JSON.stringify({
    version: '4',
    status: 'firing',
    receiver: 'kreboot',
    groupLabels: {},
    commonLabels: {},
    commonAnnotations: {},
    externalURL: 'http://am',
    alerts: alerts.map((a) => ({ status: 'firing', annotations: {}, fingerprint: 'f', ...a })),
  });
}

export async function post(
  url: string,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}`, ...headers },
  });
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // not JSON: keep the text for the assertion message
  }
  return { status: res.status, json };
}
