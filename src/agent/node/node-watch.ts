// Watches the agent's own Node, and only it: a GET for the current object, then a watch with the
// field selector metadata.name=<node> from its resourceVersion. Ends of the watch re-watch from the
// last version seen; errors (including 410 Gone and a missing Node) re-read after a backoff that
// grows to a minute, so an agent on a node that is not (yet) registered logs and waits, never
// crash-loops.

import { Watch, type CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import type { Logger } from '../../log/logger.ts';
import { apiErrorMessage, isNotFound } from '../../kube/patch.ts';

export interface NodeWatchOptions {
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly nodeName: string;
  readonly log: Logger;
  readonly onNode: (node: V1Node) => void;
  readonly onError?: () => void;
}

const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** Server-side watch length; jittered so agents of a large cluster do not re-watch in step. */
const WATCH_SECONDS = 240;

/** A watch that ends sooner than this without an error is treated as failing, so it cannot spin. */
const SHORTEST_WATCH_MS = 1_000;

type WatchEnd = { readonly kind: 'closed' } | { readonly kind: 'error'; readonly message: string };

export class NodeWatch {
  private readonly options: NodeWatchOptions;
  private readonly watch: Watch;
  private abort: AbortController | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private stopped = false;
  private done: Promise<void> | undefined;
  private resourceVersion: string | undefined;

  constructor(options: NodeWatchOptions) {
    this.options = options;
    this.watch = new Watch(options.kc);
    // The client aborts a watch after 30 s without data, and a quiet Node sends none for minutes:
    // let the server end the watch instead (timeoutSeconds), plus a margin.
    Object.assign(this.watch, { requestTimeoutMs: (WATCH_SECONDS * 1.25 + 30) * 1000 });
  }

  start(): void {
    this.done ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.abort?.abort();
    clearTimeout(this.sleepTimer);
    this.wake?.();
    await this.done;
  }

  private async run(): Promise<void> {
    const { core, nodeName, log, onNode, onError } = this.options;
    let backoff = BACKOFF_MIN_MS;
    while (!this.stopped) {
      try {
        const node = await core.readNode({ name: nodeName });
        this.resourceVersion = node.metadata?.resourceVersion;
        onNode(node);
      } catch (error) {
        onError?.();
        if (isNotFound(error)) log.error({ retryInMs: backoff }, 'this agent\'s Node does not exist; check --node-id (KURED_NODE_ID); retrying');
        else log.warn({ error: apiErrorMessage(error), retryInMs: backoff }, 'cannot read the Node; retrying');
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
        continue;
      }
      for (;;) {
        const began = Date.now();
        const end = await this.watchOnce();
        if (this.stopped) return;
        if (end.kind === 'closed' && Date.now() - began >= SHORTEST_WATCH_MS) {
          backoff = BACKOFF_MIN_MS;
          continue;
        }
        onError?.();
        const message = end.kind === 'error' ? end.message : 'the watch closed at once';
        log.warn({ error: message, retryInMs: backoff }, 'node watch failed; reading the Node again');
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
        break;
      }
    }
  }

  private watchOnce(): Promise<WatchEnd> {
    const { nodeName, onNode } = this.options;
    return new Promise((resolve) => {
      let end: WatchEnd = { kind: 'closed' };
      const query = {
        fieldSelector: `metadata.name=${nodeName}`,
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true,
        timeoutSeconds: Math.round(WATCH_SECONDS * (1 + Math.random() * 0.25)),
      };
      const onEvent = (type: string, object: V1Node & { code?: number; message?: string }) => {
        if (type === 'ERROR') {
          // 410 Gone: our resourceVersion is too old; re-read the Node.
          end = { kind: 'error', message: `watch error ${object.code ?? ''}: ${object.message ?? ''}` };
          return;
        }
        this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
        if (type === 'DELETED') {
          end = { kind: 'error', message: 'the Node was deleted' };
          this.abort?.abort();
        } else if (type === 'ADDED' || type === 'MODIFIED') {
          onNode(object);
        }
      };
      const onDone = (error: unknown) => {
        this.abort = undefined;
        if (error && end.kind === 'closed') end = { kind: 'error', message: apiErrorMessage(error) };
        resolve(end);
      };
      this.watch.watch(`/api/v1/nodes`, query, onEvent, onDone).then(
        (abort) => {
          if (this.stopped) abort.abort();
          else this.abort = abort;
        },
        (error: unknown) => onDone(error ?? new Error('watch failed')),
      );
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }
}
