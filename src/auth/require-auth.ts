// Express middleware that refuses a request without the right credentials (the webhook, the admin API). It runs before the body
// is parsed: Alertmanager retries a 401 every group_interval, so the refusal must stay cheap, and
// it does not read a body that has not arrived (refuse-unread.ts).

import type { RequestHandler } from 'express';
import { refuseUnread } from '../http/refuse-unread.ts';
import type { Authenticator } from './authenticator.ts';

const REFUSED = Buffer.from(JSON.stringify({ error: 'missing or wrong credentials' }));

export function requireAuth(auth: Authenticator, onRefused?: () => void): RequestHandler {
  // Prebuilt headers and body: no serialisation, no ETag.
  const headers: Record<string, string | number> = { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': REFUSED.length };
  if (auth.challenge !== '') headers['WWW-Authenticate'] = auth.challenge;
  return (req, res, next) => {
    if (auth.check(req.headers.authorization)) {
      next();
      return;
    }
    onRefused?.();
    refuseUnread(req, res, () => res.writeHead(401, headers).end(REFUSED));
  };
}
