// Runs the host hooks the controller hands to this node (ADR 0019): the command configured for the
// hook point (--pre-drain-hook-command, --post-reboot-hook-command), in the host's mount namespace
// like the sentinel command, stopped at the hook's notAfter. `started` is written (optimistic, on
// the resourceVersion decided on) before the command runs and its outcome after, so the
// controller sees every run and a run is never repeated. Nothing here can reboot anything: the
// commands are the agent's own configuration, and the controller only names the hook point.

import type { V1Node } from '@kubernetes/client-node';
import type { Logger } from '../../log/logger.ts';
import { annotationsPatch } from '../../kube/annotations.ts';
import { isConflict } from '../../kube/api-errors.ts';
import type { NodeClient } from '../../kube/node-client.ts';
import {
  hostHookStatusAnnotation,
  readHostHookJob,
  readHostHookStatus,
  type HookPoint,
  type HostHookJob,
  type HostHookStatus,
} from '../../store/hook-records.ts';
import { hostArgv, type HostCommandOptions } from '../host/host-command.ts';
import { describeOutcome, runCommand } from '../host/run-command.ts';
import { decideHostHook } from './decide-hook.ts';

export interface HookRunnerOptions extends HostCommandOptions {
  readonly client: NodeClient;
  readonly nodeName: string;
  /** The command of each hook point this agent has one for. */
  readonly commands: Partial<Record<HookPoint, readonly string[]>>;
  readonly log: Logger;
  readonly now?: () => Date;
  readonly onOutcome?: (outcome: 'succeeded' | 'failed') => void;
}

/** Writes of an outcome retried on conflicts (other writers of the Node) before giving up. */
const OUTCOME_WRITE_ATTEMPTS = 5;
const RETRY_MS = 5_000;

export class HookRunner {
  private readonly options: HookRunnerOptions;
  private readonly points: ReadonlySet<HookPoint>;
  private readonly running = new Set<string>();
  private latest: V1Node | undefined;
  private busy = false;
  private stopped = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(options: HookRunnerOptions) {
    this.options = options;
    this.points = new Set(Object.keys(options.commands) as HookPoint[]);
  }

  /** The points this agent advertises on its Node (kreboot.dev/host-hooks). */
  advertised(): string {
    return [...this.points].sort().join(',');
  }

  /** Called with every version of the Node the watch sees. */
  notify(node: V1Node): void {
    this.latest = node;
    if (!this.busy) void this.drain();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async drain(): Promise<void> {
    this.busy = true;
    while (this.latest && !this.stopped) {
      const node = this.latest;
      this.latest = undefined;
      try {
        await this.handle(node);
      } catch (error) {
        this.options.log.error({ err: error, retryInMs: RETRY_MS }, 'host hook handling failed; retrying');
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.reread(), RETRY_MS);
      }
    }
    this.busy = false;
  }

  private async reread(): Promise<void> {
    if (this.stopped || this.busy) return;
    try {
      this.notify(await this.options.client.get(this.options.nodeName));
    } catch (error) {
      this.options.log.warn({ err: error }, 'cannot read the Node; waiting for the watch');
    }
  }

  private async handle(first: V1Node): Promise<void> {
    const { log, now = () => new Date() } = this.options;
    let node = first;
    for (;;) {
      if (this.stopped) return;
      const annotations = node.metadata?.annotations;
      const decision = decideHostHook(readHostHookJob(annotations), readHostHookStatus(annotations), this.running, this.points, now());
      if (decision.act === 'none') return;
      const { job } = decision;
      if (decision.act === 'fail') {
        log.warn({ hook: job.id, point: job.point, reason: decision.reason }, 'host hook not run');
        const written = await this.write(node, { id: job.id, state: 'failed', at: now().toISOString(), message: decision.reason });
        if (written.ok) this.options.onOutcome?.('failed');
        if (written.ok) return;
        node = written.node;
        continue;
      }
      const started = await this.write(node, { id: job.id, state: 'started', at: now().toISOString() });
      if (!started.ok) {
        node = started.node;
        continue;
      }
      // Marked before the await: a Node update arriving meanwhile sees it running, not abandoned.
      this.running.add(job.id);
      void this.execute(job).finally(() => this.running.delete(job.id));
      return;
    }
  }

  private async execute(job: HostHookJob): Promise<void> {
    const { log, commands, now = () => new Date() } = this.options;
    const argv = commands[job.point]!;
    const timeoutMs = Math.max(1, Date.parse(job.notAfter) - now().getTime());
    log.info({ hook: job.id, point: job.point, timeoutMs }, 'host hook started');
    const outcome = await runCommand(hostArgv(argv, this.options), { timeoutMs, maxOutput: 512 });
    const ok = outcome.kind === 'exited' && outcome.code === 0;
    const tail = outcome.kind === 'spawn-error' ? '' : (outcome.stderr.trim() || outcome.stdout.trim()).slice(-300);
    const status: HostHookStatus = {
      id: job.id,
      state: ok ? 'succeeded' : 'failed',
      at: now().toISOString(),
      ...(outcome.kind === 'exited' && outcome.code !== null ? { exitCode: outcome.code } : {}),
      ...(ok ? (tail ? { message: tail } : {}) : { message: `host hook command ${describeOutcome(outcome)}`.slice(0, 400) }),
    };
    log[ok ? 'info' : 'error'](
      { hook: job.id, point: job.point, exitCode: status.exitCode, message: status.message },
      'host hook finished',
    );
    this.options.onOutcome?.(ok ? 'succeeded' : 'failed');
    for (let attempt = 1; attempt <= OUTCOME_WRITE_ATTEMPTS && !this.stopped; attempt++) {
      try {
        const node = await this.options.client.get(this.options.nodeName);
        const current = readHostHookStatus(node.metadata?.annotations);
        // Only our own `started` becomes the outcome; anything else means the record moved on.
        if (current.state !== 'ok' || current.value.id !== job.id || current.value.state !== 'started') return;
        if ((await this.write(node, status)).ok) return;
      } catch (error) {
        log.warn({ err: error, hook: job.id }, 'cannot record the host hook outcome; retrying');
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
    log.error({ hook: job.id }, 'could not record the host hook outcome; the controller times the hook out');
  }

  /** One optimistic write of hook-status; on 409 returns the Node read again. */
  private async write(node: V1Node, status: HostHookStatus): Promise<{ ok: boolean; node: V1Node }> {
    const { client, nodeName } = this.options;
    try {
      const written = await client.patch(nodeName, annotationsPatch(hostHookStatusAnnotation(status), node.metadata?.resourceVersion));
      return { ok: true, node: written };
    } catch (error) {
      if (!isConflict(error)) throw error;
      return { ok: false, node: await client.get(nodeName) };
    }
  }
}
