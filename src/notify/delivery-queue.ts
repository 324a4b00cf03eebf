// One bounded queue and one worker per notifier, so a slow or dead service delays only its own
// messages, and each service receives them in order. Sending: a timeout per request (in the
// transport), retries with backoff on 429, 5xx and connection failures, honouring the wait the
// service asks for, then drop with a warning. When the queue is full the OLDEST waiting message is
// dropped: the newest says where the rollout is now, which is what a reader needs most.

import type { Logger } from 'pino';
import { DeliveryError } from './delivery-error.ts';
import type { DeliveryResult } from './metrics.ts';
import type { Message, Notifier } from './notifier.ts';

export interface DeliveryPolicy {
  /** Messages waiting per service before the oldest is dropped. */
  readonly capacity: number;
  /** Attempts per message, the first included. */
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** A service asking to wait longer than this gets the message dropped rather than a stalled queue. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_POLICY: DeliveryPolicy = {
  capacity: 100,
  maxAttempts: 5,
  backoffBaseMs: 1000,
  backoffMaxMs: 30_000,
  maxRetryAfterMs: 120_000,
};

export interface QueueDeps {
  readonly log: Logger;
  readonly count: (result: DeliveryResult) => void;
  /** Removes secrets from a text before it is logged or shown. */
  readonly scrub: (text: string) => string;
  readonly random: () => number;
  readonly shutdown: AbortSignal;
}

export interface QueueStatus {
  readonly service: string;
  readonly target: string;
  readonly queued: number;
  readonly lastError: string | undefined;
}

export interface DeliveryQueue {
  enqueue(message: Message): void;
  readonly length: number;
  status(): QueueStatus;
  /** Resolves when nothing is waiting or being sent. */
  idle(): Promise<void>;
  /** Drops what is still waiting (counted and logged); used after shutdown aborted the worker. */
  dropWaiting(why: string): void;
}

export function createDeliveryQueue(notifier: Notifier, policy: DeliveryPolicy, deps: QueueDeps): DeliveryQueue {
  const waiting: Message[] = [];
  const log = deps.log.child({ service: notifier.service, target: notifier.target });
  let busy = false;
  // A destination whose URL cannot be used is failing from the start (the status page says why).
  let lastError: string | undefined = notifier.problem;
  let idleWaiters: Array<() => void> = [];

  function drop(message: Message, why: string): void {
    deps.count('dropped');
    log.warn({ kind: message.event.kind, node: message.event.node, why }, 'notification dropped');
  }

  async function deliver(message: Message): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await notifier.send(message);
        deps.count('sent');
        log.debug({ kind: message.event.kind, node: message.event.node, attempt }, 'notification sent');
        return;
      } catch (thrown) {
        const error =
          thrown instanceof DeliveryError ? thrown : new DeliveryError('unexpected error in the notifier', { retryable: false });
        lastError = deps.scrub(error.message);
        if (deps.shutdown.aborted) return drop(message, 'shutting down');
        // The error is logged as its scrubbed copy: a service's answer may echo the target's URL.
        const fields = { kind: message.event.kind, node: message.event.node, attempt, err: new DeliveryError(lastError, error) };
        if (!error.retryable || attempt >= policy.maxAttempts) {
          deps.count('failed');
          log.warn({ ...fields, retryable: error.retryable }, 'notification failed and was dropped');
          return;
        }
        if (error.retryAfterMs !== undefined && error.retryAfterMs > policy.maxRetryAfterMs) {
          deps.count('failed');
          log.warn({ ...fields, retryAfterMs: error.retryAfterMs }, 'notification dropped: the service asked to wait too long');
          return;
        }
        const waitMs = error.retryAfterMs ?? backoff(attempt);
        deps.count('retried');
        log.info({ ...fields, waitMs }, 'notification will be retried');
        await sleep(waitMs, deps.shutdown);
        if (deps.shutdown.aborted) return drop(message, 'shutting down');
      }
    }
  }

  /** Exponential backoff with jitter in its upper half, so many controllers do not retry in step. */
  function backoff(attempt: number): number {
    const ceiling = Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** (attempt - 1));
    return Math.round(ceiling / 2 + (deps.random() * ceiling) / 2);
  }

  async function work(): Promise<void> {
    try {
      for (let message = waiting.shift(); message; message = waiting.shift()) {
        if (deps.shutdown.aborted) drop(message, 'shutting down');
        else await deliver(message);
      }
    } finally {
      busy = false;
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  return {
    enqueue(message) {
      if (deps.shutdown.aborted) return drop(message, 'shutting down');
      waiting.push(message);
      if (waiting.length > policy.capacity) drop(waiting.shift()!, 'queue full');
      if (!busy) {
        busy = true;
        // Start on a later turn: the caller (the reconcile loop) never runs any part of a send.
        setImmediate(() => void work());
      }
    },
    get length() {
      return waiting.length + (busy ? 1 : 0);
    },
    status: () => ({ service: notifier.service, target: notifier.target, queued: waiting.length + (busy ? 1 : 0), lastError }),
    idle: () => (busy || waiting.length > 0 ? new Promise<void>((resolve) => idleWaiters.push(resolve)) : Promise.resolve()),
    dropWaiting(why) {
      for (let message = waiting.shift(); message; message = waiting.shift()) drop(message, why);
    },
  };
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    // A pending retry must not keep the process alive after everything else has stopped.
    timer.unref();
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
