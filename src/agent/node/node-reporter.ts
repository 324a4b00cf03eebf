// Publishes the agent's report on its own Node (ADR 0002): sentinel state, time of the check, the
// check's error, boot ID, boot time and agent version. Writes stay cheap: a write happens when a value
// differs from what the Node shows, when the check was requested (the controller waits for a
// fresh timestamp), or when the last timestamp is about a period old. A failed write is retried
// with backoff on one timer, always with the latest values.
//
// No resourceVersion precondition here: these keys have a single writer (this agent), so a
// precondition would protect nothing and only add conflicts with other writers of the Node.

import type { V1Node } from '@kubernetes/client-node';
import type { Logger } from '../../log/logger.ts';
import { annotationsPatch, type AnnotationChanges } from '../../kube/annotations.ts';
import type { NodeClient } from '../../kube/node-client.ts';
import { AGENT } from '../../store/keys.ts';
import type { SentinelResult } from '../sentinel/sentinel-check.ts';

export interface NodeReporterOptions {
  readonly client: NodeClient;
  readonly nodeName: string;
  readonly version: string;
  readonly periodMs: number;
  readonly log: Logger;
  readonly onError?: () => void;
  /** The hook points this agent has a host command for, comma-separated ('' for none). */
  readonly hostHooks?: string;
}

interface Report {
  readonly required: boolean;
  readonly error: string | undefined;
  readonly bootId: string | undefined;
  /** When the host booted (for --max-node-age); undefined when it cannot be read. */
  readonly bootTime: Date | undefined;
  readonly at: Date;
}

const RETRY_MIN_MS = 2_000;
const RETRY_MAX_MS = 300_000;

export class NodeReporter {
  private readonly options: NodeReporterOptions;
  private desired: Report | undefined;
  private shown: Readonly<Record<string, string>> = {};
  private writtenAt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private stopped = false;
  private writing: Promise<void> | undefined;

  constructor(options: NodeReporterOptions) {
    this.options = options;
  }

  /** After each sentinel check. */
  async report(result: SentinelResult, at: Date, bootId: string | undefined, requested: boolean, bootTime?: Date): Promise<void> {
    this.desired = { required: result.required, error: result.error, bootId, bootTime, at };
    const stale = at.getTime() - this.writtenAt >= this.options.periodMs * 0.9;
    if (requested || stale || this.differs()) await this.write();
  }

  /** Each time the Node is seen: rewrite if someone removed or changed our values. */
  observe(node: V1Node): void {
    this.shown = node.metadata?.annotations ?? {};
    if (this.desired && this.differs() && !this.retryTimer && !this.writing) void this.write();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
  }

  private annotations(report: Report): AnnotationChanges {
    return {
      [AGENT.rebootRequired]: String(report.required),
      [AGENT.sentinelCheckedAt]: report.at.toISOString(),
      [AGENT.sentinelError]: report.error ?? null,
      [AGENT.bootId]: report.bootId ?? null,
      [AGENT.bootTime]: report.bootTime?.toISOString() ?? null,
      [AGENT.agentVersion]: this.options.version,
      [AGENT.hostHooks]: this.options.hostHooks ? this.options.hostHooks : null,
    };
  }

  private differs(): boolean {
    if (!this.desired) return false;
    const wanted = this.annotations(this.desired);
    return Object.entries(wanted).some(([key, value]) => key !== AGENT.sentinelCheckedAt && (this.shown[key] ?? null) !== value);
  }

  /** Writes are serialised; a write asked for during another one follows it with the latest values. */
  private async write(): Promise<void> {
    while (this.writing) await this.writing;
    this.writing = this.writeOnce();
    try {
      await this.writing;
    } finally {
      this.writing = undefined;
    }
  }

  private async writeOnce(): Promise<void> {
    const report = this.desired;
    if (!report || this.stopped) return;
    const { client, nodeName, log } = this.options;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    try {
      const node = await client.patch(nodeName, annotationsPatch(this.annotations(report)));
      this.shown = node.metadata?.annotations ?? {};
      this.writtenAt = report.at.getTime();
      this.retryMs = RETRY_MIN_MS;
      log.debug({ required: report.required, sentinelError: report.error }, 'node report written');
    } catch (error) {
      this.options.onError?.();
      log.warn({ err: error, retryInMs: this.retryMs }, 'cannot write the node report; will retry');
      if (this.stopped) return;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        void this.write();
      }, this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    }
  }
}
