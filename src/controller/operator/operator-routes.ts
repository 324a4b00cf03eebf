// The controller's operator actions (pause, resume, reboot), each taken by a named caller: a
// Kubernetes user whom RBAC allows the action (a SubjectAccessReview on the kreboot.dev virtual
// resources below, docs/operator-view.md "Who may act"), or the holder of the admin token. Bodies
// are small JSON objects, validated before anything changes. The read-only status routes are in
// status-routes.ts.

import express, { type Router } from 'express';
import { z } from 'zod';
import type { ActionAttributes } from '../../auth/kube-reviews.ts';
import type { Caller, OperatorAuth } from '../../auth/operator-auth.ts';
import type { Logger } from '../../log/logger.ts';
import type { Control } from './operator-control.ts';
import type { Forecast } from '../policy/forecast.ts';

const RebootBody = z.object({ node: z.string().min(1).max(253), reason: z.string().max(500).optional() }).strict();
const PauseBody = z.object({ reason: z.string().max(500).optional() }).strict();

/** The RBAC attributes of each action: `create` on a kreboot.dev subresource (no CRD needed). */
export function actionAttributes(action: 'pause' | 'resume' | 'reboot', where: { namespace: string; node?: string }): ActionAttributes {
  if (action === 'reboot')
    return { verb: 'create', group: 'kreboot.dev', resource: 'nodes', subresource: 'reboot', name: where.node ?? '' };
  return { verb: 'create', group: 'kreboot.dev', resource: 'rollouts', subresource: action, namespace: where.namespace };
}

export function createOperatorRoutes(deps: {
  plan: () => Promise<Forecast>;
  control: Control;
  auth: OperatorAuth;
  /** The controller's namespace: pause and resume are authorized there (a RoleBinding suffices). */
  namespace: string;
  log: Logger;
}): Router {
  const router = express.Router();
  // Read-only like status; it asks the gates once (one Prometheus query), as a cycle would.
  router.get('/api/v1/plan', async (_req, res) => {
    res.json(await deps.plan());
  });

  const admin = deps.auth.authenticate;
  const by = (res: express.Response) => (res.locals.caller as Caller).name;
  const allowed = (req: express.Request, res: express.Response, action: 'pause' | 'resume' | 'reboot', node?: string) =>
    deps.auth.authorize(req, res, actionAttributes(action, { namespace: deps.namespace, ...(node !== undefined ? { node } : {}) }));
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
    if (!body || !(await allowed(req, res, 'pause'))) return;
    await deps.control.pause(body.reason ?? 'paused by an operator', by(res));
    deps.log.info({ reason: body.reason, by: by(res) }, 'rollout paused');
    res.json({ paused: true });
  });
  router.post('/api/v1/resume', admin, async (req, res) => {
    if (!(await allowed(req, res, 'resume'))) return;
    const result = await deps.control.resume(by(res));
    deps.log.info({ ...result, by: by(res) }, 'rollout resumed');
    res.json({ resumed: true, ...result });
  });
  router.post('/api/v1/reboot', admin, json, async (req, res) => {
    const body = parse(RebootBody, req.body, res);
    if (!body || !(await allowed(req, res, 'reboot', body.node))) return;
    const result = await deps.control.reboot(body.node, body.reason ?? '', by(res));
    if (result === 'unknown-node') {
      res.status(404).json({ error: `unknown node: ${body.node} (no such Node, or not selected by --node-selector)` });
      return;
    }
    deps.log.info({ node: body.node, reason: body.reason, by: by(res) }, 'reboot requested by an operator');
    res.status(202).json({ accepted: body.node });
  });
  return router;
}
