// Who may pause, resume or reboot (docs/adr/0017). A caller is either
// - the holder of the shared admin token (--admin-token-file, for automation), recorded as
//   `admin-token`; or
// - a Kubernetes user: their bearer token comes in the Authorization header (direct to the
//   controller) or, through the API server's service proxy (which authenticates the caller and
//   then drops the Authorization header), in X-Kreboot-Authorization. A TokenReview names the user,
//   and a SubjectAccessReview on a kreboot.dev virtual resource lets cluster RBAC decide; the action
//   is recorded with the user's name.
// A refusal never reads the body (refuse-unread.ts); the reviews in flight are capped, so anonymous
// callers with made-up tokens cannot turn the controller into a flood of API requests.

import type { Request, RequestHandler, Response } from 'express';
import { refuseUnread } from '../http/refuse-unread.ts';
import { apiErrorMessage } from '../kube/api-errors.ts';
import type { Authenticator } from './authenticator.ts';
import type { ActionAttributes, KubeReviews, KubeUser } from './kube-reviews.ts';

/** The header that carries the user's bearer token through the API server's service proxy. */
export const USER_TOKEN_HEADER = 'x-kreboot-authorization';
/** The name recorded for an action taken with the shared admin token. */
export const ADMIN_TOKEN_CALLER = 'admin-token';
const MAX_REVIEWS_IN_FLIGHT = 8;

export interface Caller {
  /** The name recorded with the action (`by`). */
  readonly name: string;
  /** The Kubernetes user, to authorize each action; absent for the admin token (allowed everything). */
  readonly user?: KubeUser;
}

export interface OperatorAuth {
  /** Middleware: identifies the caller (res.locals.caller) or refuses with 401/429/503. */
  readonly authenticate: RequestHandler;
  /** True when the caller may do the action; otherwise false, with the refusal (403 or 503) sent. */
  authorize(req: Request, res: Response, action: ActionAttributes): Promise<boolean>;
}

function bearer(value: string | undefined): string | undefined {
  const match = /^bearer\s+(\S+)\s*$/i.exec(value ?? '');
  return match?.[1];
}

/** How an action reads in a refusal: "create kreboot.dev/rollouts/pause in namespace kreboot". */
export function describeAction(action: ActionAttributes): string {
  const resource = `${action.group}/${action.resource}${action.subresource ? `/${action.subresource}` : ''}`;
  return `${action.verb} ${resource}${action.name ? ` ${action.name}` : ''}${action.namespace ? ` in namespace ${action.namespace}` : ''}`;
}

export function createOperatorAuth(deps: { admin: Authenticator | undefined; reviews: KubeReviews }): OperatorAuth {
  let inFlight = 0;
  const refuse = (req: Request, res: Response, status: number, error: string, headers: Record<string, string> = {}) =>
    refuseUnread(req, res, () => res.status(status).set(headers).json({ error }));

  const authenticate: RequestHandler = async (req, res, next) => {
    const proxied = req.headers[USER_TOKEN_HEADER];
    const authorization = typeof proxied === 'string' ? proxied : req.headers.authorization;
    if (deps.admin && authorization !== undefined && deps.admin.check(authorization)) {
      res.locals.caller = { name: ADMIN_TOKEN_CALLER } satisfies Caller;
      next();
      return;
    }
    const token = bearer(authorization);
    if (token === undefined) {
      refuse(
        req,
        res,
        401,
        "missing credentials: send a Kubernetes bearer token (kubectl kreboot sends your kubeconfig's) or the admin token",
        {
          'WWW-Authenticate': 'Bearer realm="kreboot"',
        },
      );
      return;
    }
    if (inFlight >= MAX_REVIEWS_IN_FLIGHT) {
      refuse(req, res, 429, 'too many credential checks in progress: try again', { 'Retry-After': '1' });
      return;
    }
    inFlight++;
    let user: Awaited<ReturnType<KubeReviews['authenticate']>>;
    try {
      user = await deps.reviews.authenticate(token);
    } catch (error) {
      refuse(req, res, 503, `cannot ask the Kubernetes API server who you are (TokenReview): ${apiErrorMessage(error)}`);
      return;
    } finally {
      inFlight--;
    }
    if ('error' in user) {
      refuse(req, res, 401, `the Kubernetes API server does not accept your token: ${user.error}`, {
        'WWW-Authenticate': 'Bearer realm="kreboot"',
      });
      return;
    }
    res.locals.caller = { name: user.username, user } satisfies Caller;
    next();
  };

  return {
    authenticate,
    async authorize(req, res, action) {
      const caller = res.locals.caller as Caller;
      if (!caller.user) return true;
      let answer: { allowed: boolean; reason: string };
      try {
        answer = await deps.reviews.authorize(caller.user, action);
      } catch (error) {
        refuse(req, res, 503, `cannot ask the Kubernetes API server what you may do (SubjectAccessReview): ${apiErrorMessage(error)}`);
        return false;
      }
      if (answer.allowed) return true;
      refuse(
        req,
        res,
        403,
        `${caller.name} may not ${describeAction(action)}: no RBAC rule grants it${answer.reason ? ` (${answer.reason})` : ''}; see docs/operator-view.md, "Who may act"`,
      );
      return false;
    },
  };
}
