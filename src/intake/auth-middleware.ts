// Express middleware that refuses a request without the right credentials. It runs before the body
// is parsed: Alertmanager retries a 401 every group_interval, so the refusal must stay cheap.

import type { RequestHandler } from 'express';
import type { Authenticator } from './webhook-auth.ts';

export function requireAuth(auth: Authenticator, onRefused?: () => void): RequestHandler {
  return (req, res, next) => {
    if (auth.check(req.headers.authorization)) {
      next();
      return;
    }
    onRefused?.();
    if (auth.challenge !== '') res.setHeader('WWW-Authenticate', auth.challenge);
    res.status(401).json({ error: 'missing or wrong credentials' });
  };
}
