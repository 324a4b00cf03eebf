// POST /api/v1/alerts: Alertmanager's webhook. Order matters: credentials (cheap, before the body
// is read) → content type → body within the limit → JSON → schema → plan → store. Everything is
// validated before the store is called, so a bad payload changes nothing; a store error answers
// 503 so Alertmanager sends the (idempotent) notification again.

import express, { type ErrorRequestHandler, type Request, type RequestHandler, type Router } from 'express';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { parseAlertPayload } from './alert-payload.ts';
import { requireAuth } from './auth-middleware.ts';
import { applyPlan } from './apply-plan.ts';
import { planAlerts, type IntakeRules } from './plan-alerts.ts';
import type { RequestSink } from './request-sink.ts';
import { loadWebhookAuth, type Authenticator, type WebhookAuthConfig } from './webhook-auth.ts';
import { createWebhookMetrics } from './webhook-metrics.ts';

export const ALERTS_PATH = '/api/v1/alerts';

export interface AlertsRouterConfig extends IntakeRules {
  readonly webhook: WebhookAuthConfig & { readonly bodyLimitBytes: number };
}

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
  const metrics = createWebhookMetrics(registry);
  const rules: IntakeRules = { rebootAlert: config.rebootAlert, remediationAlert: config.remediationAlert, alertNodeLabels: config.alertNodeLabels };
  const router = express.Router();

  const requireJson: RequestHandler = (req, res, next) => {
    if (isJson(req)) return next();
    metrics.request(415);
    res.status(415).json({ error: 'content type must be application/json' });
  };
  // type: any, because requireJson already decided; strict: only objects and arrays.
  const parseBody = express.json({ limit: config.webhook.bodyLimitBytes, strict: true, type: () => true });

  const handle: RequestHandler = async (req, res) => {
    const parsed = parseAlertPayload(req.body);
    if (!parsed.ok) {
      metrics.request(400);
      res.status(400).json({ error: parsed.error });
      return;
    }
    const plan = planAlerts(parsed.payload, rules);
    try {
      const truncatedAlerts = parsed.payload.truncatedAlerts ?? 0;
      const summary = { ...(await applyPlan(plan, sink)), ...(truncatedAlerts > 0 ? { truncatedAlerts } : {}) };
      if (truncatedAlerts > 0) log.warn({ truncatedAlerts }, 'webhook payload truncated by max_alerts');
      metrics.request(200);
      metrics.alerts('accepted', summary.accepted.length);
      metrics.alerts('withdrawn', summary.withdrawn.length);
      metrics.alerts('ignored', summary.ignored.length);
      const level = summary.accepted.length + summary.withdrawn.length > 0 ? 'info' : 'debug';
      log[level]({ accepted: summary.accepted, withdrawn: summary.withdrawn, ignored: summary.ignored.length }, 'webhook processed');
      res.status(200).json(summary);
    } catch (error) {
      log.error({ err: error }, 'webhook could not record requests');
      metrics.request(503);
      res.status(503).setHeader('Retry-After', '10').json({ error: `could not record the requests: ${(error as Error).message}` });
    }
  };

  // body-parser's errors carry a 4xx status: 413 over the limit, 400 malformed JSON, 415 charset.
  const bodyErrors: ErrorRequestHandler = (error, _req, res, next) => {
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : undefined;
    if (status === undefined || res.headersSent) return next(error);
    metrics.request(status);
    const message = status === 413 ? `body larger than ${config.webhook.bodyLimitBytes} bytes` : error.type === 'entity.parse.failed' ? `malformed JSON: ${(error as Error).message}` : (error as Error).message;
    res.status(status).json({ error: message });
  };

  router.post(ALERTS_PATH, requireAuth(authenticator, () => metrics.request(401)), requireJson, parseBody, handle, bodyErrors);
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
