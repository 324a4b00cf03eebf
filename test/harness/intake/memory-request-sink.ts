// An in-memory RequestSink for webhook tests: the narrow interface the lead implements on Node
// annotations, here a map, recording every call with its time.

import type { RequestSink } from '../../../src/intake/request-sink.ts';

export interface SinkCall {
  readonly op: 'request' | 'withdraw';
  readonly node: string;
  readonly kind: string;
  readonly alertname?: string;
  readonly at: number;
}

export class MemorySink implements RequestSink {
  readonly calls: SinkCall[] = [];
  readonly pending = new Set<string>();
  private readonly known: ReadonlySet<string>;
  constructor(known: readonly string[]) {
    this.known = new Set(known);
  }
  async request(
    node: string,
    source: { kind: 'alert' | 'remediation' | 'api' | 'node'; alertname?: string },
  ): Promise<'accepted' | 'unknown-node'> {
    this.calls.push({ op: 'request', node, kind: source.kind, alertname: source.alertname, at: Date.now() });
    if (!this.known.has(node)) return 'unknown-node';
    this.pending.add(node);
    return 'accepted';
  }
  async withdraw(node: string, source: { kind: 'alert'; alertname: string }): Promise<'withdrawn' | 'not-pending' | 'unknown-node'> {
    this.calls.push({ op: 'withdraw', node, kind: source.kind, alertname: source.alertname, at: Date.now() });
    if (!this.known.has(node)) return 'unknown-node';
    return this.pending.delete(node) ? 'withdrawn' : 'not-pending';
  }
  of(op: 'request' | 'withdraw', node: string): SinkCall[] {
    return this.calls.filter((c) => c.op === op && c.node === node);
  }
}
