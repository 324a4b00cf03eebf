// The notification module as the controller sees it: build the notifiers from config.notify, and
// hand back a fire-and-forget `notify(event)` that renders the message and queues it for every
// service, plus `drain`/`close` for shutdown and `status` for the status API (targets only, no URL).

import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { buildNotifiers, type NotifyConfig } from './build-notifiers.ts';
import { createDeliveryQueue, DEFAULT_POLICY, type DeliveryPolicy, type DeliveryQueue, type QueueStatus } from './delivery-queue.ts';
import { blockedKind, NOTIFICATION_KINDS, type NotificationEvent, type NotificationKind, type Notify } from './event.ts';
import { createHttpTransport, type HttpTransport } from './http-transport.ts';
import { createNotifyMetrics } from './metrics.ts';
import { scrub } from './redact.ts';
import { createSmtpSender } from './smtp-sender.ts';
import { createRenderer } from './templates.ts';

export interface NotificationsOptions {
  readonly config: NotifyConfig;
  readonly log: Logger;
  readonly registry: Registry;
  readonly now?: () => number;
  /** Per-request timeout; 10 s by default. */
  readonly timeoutMs?: number;
  readonly policy?: Partial<DeliveryPolicy>;
  /**
   * Internal, not a flag: origin → replacement origin for the services whose API host is fixed
   * (Slack, Discord, Telegram, Teams). Tests point them at a loopback sink with it.
   */
  readonly endpointOverrides?: Readonly<Record<string, string>>;
  /** Internal, not a flag: extra CA certificates (PEM) trusted for SMTP TLS, for a loopback test server. */
  readonly smtpCa?: string;
  /** Replaces the HTTP transport entirely (unit tests of the queue). */
  readonly transport?: HttpTransport;
  readonly random?: () => number;
}

export interface Notifications {
  readonly notify: Notify;
  /** One line per destination, safe to show: service, target, messages queued, last error. */
  status(): QueueStatus[];
  /** Waits until every queue is empty or the time is up; true if everything was handled. */
  drain(timeoutMs: number): Promise<boolean>;
  /** Stops accepting, gives queued messages up to `timeoutMs` to go out, then aborts and drops the rest. */
  close(timeoutMs?: number): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** How long `blocked` messages are gathered before they go out together. */
const BLOCKED_GATHER_MS = 1000;
/** Nodes named in a gathered `blocked` message; the rest are counted. */
const BLOCKED_NAMED = 10;

export function createNotifications(options: NotificationsOptions): Notifications {
  const now = options.now ?? Date.now;
  const log = options.log.child({ component: 'notify' });
  const shutdown = new AbortController();
  const transport =
    options.transport ??
    createHttpTransport({
      timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      endpointOverrides: options.endpointOverrides,
      shutdown: shutdown.signal,
    });
  const smtp = createSmtpSender({ timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS, ca: options.smtpCa, shutdown: shutdown.signal });
  const built = buildNotifiers(options.config, { transport, now, smtp });
  // Never an exit: a URL that cannot be used is a warning here, a failing destination on the status
  // page and kreboot_notification_unusable_urls (build-notifiers.ts).
  for (const warning of built.warnings) log.warn({ problem: warning.problem }, warning.message);
  const policy: DeliveryPolicy = { ...DEFAULT_POLICY, ...options.policy };
  const queues: DeliveryQueue[] = [];
  const metrics = createNotifyMetrics(
    options.registry,
    built.notifiers.map((n) => n.service),
    built.warnings.length,
    () => {
      const lengths = new Map<string, number>();
      for (const queue of queues) {
        const { service } = queue.status();
        lengths.set(service, (lengths.get(service) ?? 0) + queue.length);
      }
      return lengths;
    },
  );
  for (const notifier of built.notifiers) {
    queues.push(
      createDeliveryQueue(notifier, policy, {
        log,
        count: (result) => metrics.count(notifier.service, result),
        scrub: (text) => scrub(text, built.secrets),
        random: options.random ?? Math.random,
        shutdown: shutdown.signal,
      }),
    );
  }
  log.info({ targets: built.notifiers.map((n) => n.target) }, 'notifications configured');

  const cluster = options.config.clusterName ?? '';
  const render = createRenderer(options.config.templates, cluster);
  const chosen = new Set<NotificationKind>(options.config.events ?? NOTIFICATION_KINDS);
  // The controller announces "blocked" whenever the reason changes (a new firing alert, a window's
  // next opening); people hear it once per kind of reason (blockedKind: the gate) until the node
  // moves on, which is what they act on.
  const lastBlocked = new Map<string, string>();
  let closed = false;

  const send = (event: NotificationEvent) => {
    const full = cluster === '' ? event : { ...event, cluster };
    const message = { text: render(full), event: full, at: now() };
    for (const queue of queues) queue.enqueue(message);
  };

  // On patch night a closed window or a firing alert holds every pending node at once: their
  // `blocked` messages are gathered for a moment and go out as one per reason ("40 nodes are
  // waiting to reboot: …"), not one per node into a chat channel and its rate limit. Any other
  // message sends what was gathered first, so the order people read stays the order it happened.
  const gathered = new Map<string, NotificationEvent[]>();
  let gatherTimer: NodeJS.Timeout | undefined;
  const sendGathered = () => {
    clearTimeout(gatherTimer);
    gatherTimer = undefined;
    for (const events of gathered.values()) {
      if (events.length === 1) {
        send(events[0]!);
        continue;
      }
      const nodes = events.map((event) => event.node);
      const named = nodes.slice(0, BLOCKED_NAMED).join(', ');
      const node = nodes.length > BLOCKED_NAMED ? `${named} and ${nodes.length - BLOCKED_NAMED} more` : named;
      send({ kind: 'blocked', node, nodes, reason: events[0]!.reason });
    }
    gathered.clear();
  };

  const notify: Notify = (event: NotificationEvent) => {
    if (closed || queues.length === 0) return;
    if (event.kind === 'blocked') {
      const kind = blockedKind(event.reason);
      if (lastBlocked.get(event.node) === kind) return;
      lastBlocked.set(event.node, kind);
    } else {
      lastBlocked.delete(event.node);
    }
    if (!chosen.has(event.kind)) return;
    if (event.kind !== 'blocked') {
      sendGathered();
      send(event);
      return;
    }
    const key = event.reason ?? '';
    const group = gathered.get(key);
    if (group) group.push(event);
    else gathered.set(key, [event]);
    gatherTimer ??= setTimeout(sendGathered, BLOCKED_GATHER_MS).unref();
  };

  async function drain(timeoutMs: number): Promise<boolean> {
    sendGathered();
    let timer: NodeJS.Timeout | undefined;
    const timeUp = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const done = Promise.all(queues.map((q) => q.idle())).then(() => true as const);
    try {
      return await Promise.race([done, timeUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  return {
    notify,
    status: () => queues.map((q) => q.status()),
    drain,
    async close(timeoutMs = 5000) {
      sendGathered();
      closed = true;
      const drained = await drain(timeoutMs);
      shutdown.abort();
      for (const queue of queues) queue.dropWaiting('shutting down');
      if (!drained) await Promise.all(queues.map((q) => q.idle()));
    },
  };
}
