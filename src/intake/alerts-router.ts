// POST /api/v1/alerts: Alertmanager's webhook. Order matters: credentials (cheap, before the body
// is read) → content type → body within the limit → JSON → schema → plan → node cap → store.
// Everything is validated before the store is called, so a bad payload changes nothing; a store
// error answers 503 so Alertmanager sends the (idempotent) notification again. A request refused
// before its body was read closes the connection instead of reading the rest (refuseUnread).

import express, { type Request, type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { parseAlertPayload } from './alert-payload.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { requireAuth } from '../auth/require-auth.ts';
import { refuseUnread } from '../http/refuse-unread.ts';
import { createRequestWriter } from './request-writer.ts';
import { jsonBody } from './json-body.ts';
import { planAlerts, type IntakeRules } from './plan-alerts.ts';
import type { RequestSink } from './request-sink.ts';
import { loadWebhookAuth, type WebhookAuthConfig } from './webhook-auth.ts';
import { createWebhookMetrics } from './webhook-metrics.ts';

const ALERTS_PATH = '/api/v1/alerts';

export interface AlertsRouterConfig extends IntakeRules {
  readonly webhook: WebhookAuthConfig & { readonly bodyLimitBytes: number; readonly maxNodes?: number };
}

/**
 * --webhook-max-nodes's default. The shipped route groups by node, so a payload usually names one;
 * a route grouped by alertname sends one payload naming every node that needs a reboot, which is
 * accepted up to this many (a 10,000-alert payload is about 2–4 MiB, within the body limit).
 */
const DEFAULT_MAX_NODES = 10_000;

/**
 * Writes queued across webhooks at most: a webhook whose writes would take the backlog past it is
 * answered 503 (Alertmanager retries). Counted with the webhook's own writes, so the backlog never
 * exceeds it (checked before them, a 10,000-node webhook took it to 30,000).
 */
const MAX_BACKLOG = 20_000;

/** Node names a log line lists before it just counts them. */
const LOGGED_NAMES = 20;
const someOf = (names: readonly string[]) =>
  names.length > LOGGED_NAMES ? [...names.slice(0, LOGGED_NAMES), `… ${names.length - LOGGED_NAMES} more`] : names;

export interface AlertsRouterOptions {
  readonly config: AlertsRouterConfig;
  readonly sink: RequestSink;
  readonly log: Logger;
  readonly registry: Registry;
  /** From loadWebhookAuth at start (so main reports file problems with the other flags). */
  readonly auth?: Authenticator;
}

function isJson(req: Request): boolean {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || (type.startsWith('application/') && type.endsWith('+json'));
}

export function createAlertsRouter({ config, sink, log, registry, auth }: AlertsRouterOptions): Router {
  const authenticator = auth ?? loadOrThrow(config.webhook);
  const maxNodes = config.webhook.maxNodes ?? DEFAULT_MAX_NODES;
  const metrics = createWebhookMetrics(registry);
  const rules: IntakeRules = {
    rebootAlert: config.rebootAlert,
    remediationAlert: config.remediationAlert,
    alertNodeLabels: config.alertNodeLabels,
  };
  const writer = createRequestWriter({ sink, log, onLateOutcome: (list) => metrics.alerts(list, 1) });
  const router = express.Router();

  const requireJson: RequestHandler = (req, res, next) => {
    if (isJson(req)) return next();
    metrics.request(415);
    refuseUnread(req, res, () => res.status(415).json({ error: 'content type must be application/json' }));
  };
  const parseBody = jsonBody(config.webhook.bodyLimitBytes, (status) => metrics.request(status));

  const handle: RequestHandler = async (req, res) => {
    const parsed = parseAlertPayload(req.body);
    if (!parsed.ok) {
      metrics.request(400);
      res.status(400).json({ error: parsed.error });
      return;
    }
    const plan = planAlerts(parsed.value, rules);
    if (plan.distinctNodes > maxNodes) {
      // Refused whole, before any write: a flood of names is an error to see, not a partial intake.
      log.warn({ nodes: plan.distinctNodes, maxNodes }, 'webhook refused: too many nodes');
      metrics.request(413);
      res.status(413).json({
        error: `payload names ${plan.distinctNodes} distinct nodes, more than --webhook-max-nodes=${maxNodes}; group the Alertmanager route by node`,
      });
      return;
    }
    const adding = writer.newWrites(plan.actions);
    if (adding > 0 && writer.backlog() + adding > MAX_BACKLOG) {
      log.warn({ backlog: writer.backlog(), adding }, 'webhook refused: too many requests still being written');
      metrics.request(503);
      res
        .status(503)
        .setHeader('Retry-After', '10')
        .json({ error: `${writer.backlog()} requests are still being written; try again` });
      return;
    }
    try {
      const truncatedAlerts = parsed.value.truncatedAlerts ?? 0;
      const summary = { ...(await writer.apply(plan)), ...(truncatedAlerts > 0 ? { truncatedAlerts } : {}) };
      if (truncatedAlerts > 0) log.warn({ truncatedAlerts }, 'webhook payload truncated by max_alerts');
      metrics.request(200);
      metrics.alerts('accepted', summary.accepted.length);
      metrics.alerts('withdrawn', summary.withdrawn.length);
      metrics.alerts('ignored', summary.ignored.length);
      const level = summary.accepted.length + summary.withdrawn.length + (summary.queued?.length ?? 0) > 0 ? 'info' : 'debug';
      const queued = summary.queued ?? [];
      log[level](
        {
          accepted: someOf(summary.accepted),
          withdrawn: someOf(summary.withdrawn),
          ignored: summary.ignored.length,
          ...(queued.length > 0 ? { queued: queued.length } : {}),
        },
        'webhook processed',
      );
      res.status(200).json(summary);
    } catch (error) {
      log.error({ err: error }, 'webhook could not record requests');
      metrics.request(503);
      res
        .status(503)
        .setHeader('Retry-After', '10')
        .json({ error: `could not record the requests: ${(error as Error).message}` });
    }
  };

  router.post(
    ALERTS_PATH,
    requireAuth(authenticator, () => metrics.request(401)),
    requireJson,
    parseBody,
    handle,
  );
  router.all(ALERTS_PATH, (_req, res) => {
    res.setHeader('Allow', 'POST');
    res.status(405).json({ error: 'use POST' });
  });
  return router;
}

function loadOrThrow(config: WebhookAuthConfig): Authenticator {
  const { auth, problems } = loadWebhookAuth(config);
  if (problems.length > 0) throw new Error(problems.join('; '));
  return auth;
}
