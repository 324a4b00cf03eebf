// A /metrics endpoint on 127.0.0.1:0 whose gauges the test sets, for Prometheus to scrape: the
// stand-in for node-exporter (load) and the kreboot agent (kured_reboot_required).

import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';

export interface FakeExporter {
  /** host:port to put in scrape targets. */
  readonly target: string;
  set(name: string, labels: Record<string, string>, value: number): void;
  /** Stops exporting that series (a node's agent gone): Prometheus marks it stale at the next scrape. */
  remove(name: string, labels: Record<string, string>): void;
  close(): Promise<void>;
}

export async function startFakeExporter(gauges: Record<string, string[]>): Promise<FakeExporter> {
  const registry = new Registry();
  const byName = new Map(
    Object.entries(gauges).map(([name, labelNames]) => [name, new Gauge({ name, help: name, labelNames, registers: [registry] })]),
  );
  const server = createServer((_req, res) => {
    void registry.metrics().then((text) => {
      res.setHeader('content-type', registry.contentType);
      res.end(text);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    target: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    set(name, labels, value) {
      byName.get(name)!.set(labels, value);
    },
    remove(name, labels) {
      byName.get(name)!.remove(labels);
    },
    close: () =>
      new Promise<void>((done) => {
        server.close(() => done());
        server.closeAllConnections();
      }),
  };
}
