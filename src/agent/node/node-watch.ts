// Watches the agent's own Node, and only it: a GET for the current object, then a watch with the
// field selector metadata.name=<node> from its resourceVersion. A watch the server ends normally is
// resumed from the last version seen; errors (including 410 Gone and a deleted or missing Node)
// read the Node again after a backoff that grows to a minute, so an agent whose Node is not (yet)
// registered logs and waits, never crash-loops.

import type { V1Node } from '@kubernetes/client-node';
import type { Logger } from '../../log/logger.ts';
import { apiErrorMessage, isNotFound } from '../../kube/api-errors.ts';
import type { NodeClient, NodeWatchHandle } from '../../kube/node-client.ts';

export interface NodeWatchOptions {
  readonly client: NodeClient;
  readonly nodeName: string;
  readonly log: Logger;
  readonly onNode: (node: V1Node) => void;
  readonly onError?: () => void;
}

const BACKOFF_MIN_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** Server-side watch length; jittered so the agents of a large cluster do not re-watch in step. */
const WATCH_SECONDS = 300;
/** A watch that ends sooner than this without an error counts as failing, so it cannot spin. */
const SHORTEST_WATCH_MS = 1_000;

export class NodeWatch {
  private readonly options: NodeWatchOptions;
  private handle: NodeWatchHandle | undefined;
  private sleepTimer: NodeJS.Timeout | undefined;
  private wake: (() => void) | undefined;
  private stopped = false;
  private done: Promise<void> | undefined;
  private resourceVersion: string | undefined;

  constructor(options: NodeWatchOptions) {
    this.options = options;
  }

  start(): void {
    this.done ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.handle?.abort();
    clearTimeout(this.sleepTimer);
    this.wake?.();
    await this.done;
  }

  private async run(): Promise<void> {
    const { client, nodeName, log, onNode, onError } = this.options;
    let backoff = BACKOFF_MIN_MS;
    const pause = async (what: string, err: unknown, level: 'warn' | 'error' = 'warn') => {
      onError?.();
      log[level]({ err, retryInMs: backoff }, what);
      await this.sleep(backoff);
      backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
    };
    while (!this.stopped) {
      try {
        const node = await client.get(nodeName);
        this.resourceVersion = node.metadata?.resourceVersion;
        onNode(node);
      } catch (error) {
        if (isNotFound(error))
          await pause(
            "this agent's Node does not exist; check --node-id (KURED_NODE_ID); retrying",
            new Error(`node "${nodeName}" not found`),
            'error',
          );
        else await pause('cannot read the Node; retrying', error);
        continue;
      }
      for (;;) {
        const began = Date.now();
        const failure = await this.watchOnce();
        if (this.stopped) return;
        if (failure === undefined && Date.now() - began >= SHORTEST_WATCH_MS) {
          backoff = BACKOFF_MIN_MS;
          continue;
        }
        await pause('node watch ended with an error; reading the Node again', new Error(failure ?? 'the watch closed at once'));
        break;
      }
    }
  }

  /** One watch request; resolves with a failure message, or undefined when the server ended it. */
  private async watchOnce(): Promise<string | undefined> {
    const { client, nodeName, onNode } = this.options;
    let failure: string | undefined;
    const timeoutSeconds = Math.round(WATCH_SECONDS * (1 + Math.random() * 0.2));
    const handle = client.watch(nodeName, this.resourceVersion, timeoutSeconds, (type, object) => {
      if (type === 'ERROR') {
        // 410 Gone: our resourceVersion is too old; the Node is read again.
        failure = `watch error ${object.code ?? ''}: ${object.message ?? ''}`;
        return;
      }
      this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
      if (type === 'DELETED') {
        failure = 'the Node was deleted';
        handle.abort();
      } else if (type === 'ADDED' || type === 'MODIFIED') {
        onNode(object);
      }
    });
    this.handle = handle;
    const error = await handle.ended;
    this.handle = undefined;
    return failure ?? (error ? apiErrorMessage(error) : undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      if (this.stopped) return resolve();
      this.wake = resolve;
      this.sleepTimer = setTimeout(resolve, ms);
    });
  }
}
