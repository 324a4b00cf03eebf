// The controller's operator actions (pause, resume, reboot) behind the admin token, compared in
// constant time. Bodies are small JSON objects, validated before anything changes. The read-only
// status routes are in status-routes.ts.

import express, { type Router } from 'express';
import { z } from 'zod';
import type { Authenticator } from '../../auth/authenticator.ts';
import { requireAuth } from '../../auth/require-auth.ts';
import type { Logger } from '../../log/logger.ts';
import type { Control } from './control.ts';
import type { Forecast } from '../policy/forecast.ts';

const RebootBody = z.object({ node: z.string().min(1).max(253), reason: z.string().max(500).optional() }).strict();
const PauseBody = z.object({ reason: z.string().max(500).optional() }).strict();

export function createApiRouter(deps: {
  plan: () => Promise<Forecast>;
  control: Control;
  admin: Authenticator | undefined;
  log: Logger;
}): Router {
  const router = express.Router();
  // Read-only like status; it asks the gates once (one Prometheus query), as a cycle would.
  router.get('/api/v1/plan', async (_req, res) => {
    res.json(await deps.plan());
  });

  const admin: express.RequestHandler = deps.admin
    ? requireAuth(deps.admin)
    : (_req, res) => {
        res.status(403).json({ error: 'operator actions are disabled: start the controller with --admin-token-file' });
      };
  const json = express.json({ limit: '16kb', strict: true, type: () => true });
  const parse = <T>(schema: z.ZodType<T>, body: unknown, res: express.Response): T | undefined => {
    const result = schema.safeParse(body ?? {});
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    res.status(400).json({ error: `invalid body: ${issue?.path.join('.') || '(root)'}: ${issue?.message}` });
    return undefined;
  };

  router.post('/api/v1/pause', admin, json, async (req, res) => {
    const body = parse(PauseBody, req.body, res);
    if (!body) return;
    await deps.control.pause(body.reason ?? 'paused by an operator', 'api');
    deps.log.info({ reason: body.reason }, 'rollout paused');
    res.json({ paused: true });
  });
  router.post('/api/v1/resume', admin, async (_req, res) => {
    const result = await deps.control.resume('api');
    deps.log.info(result, 'rollout resumed');
    res.json({ resumed: true, ...result });
  });
  router.post('/api/v1/reboot', admin, json, async (req, res) => {
    const body = parse(RebootBody, req.body, res);
    if (!body) return;
    const result = await deps.control.reboot(body.node, body.reason ?? '', 'api');
    if (result === 'unknown-node') {
      res.status(404).json({ error: `unknown node: ${body.node} (no such Node, or not selected by --node-selector)` });
      return;
    }
    res.status(202).json({ accepted: body.node });
  });
  return router;
}
