// Express middleware that refuses a request without the right credentials. It runs before the body
// is parsed: Alertmanager retries a 401 every group_interval, so the refusal must stay cheap.

import type { RequestHandler } from 'express';
import type { Authenticator } from './webhook-auth.ts';

const REFUSED = Buffer.from(JSON.stringify({ error: 'missing or wrong credentials' }));

export function requireAuth(auth: Authenticator, onRefused?: () => void): RequestHandler {
  // Prebuilt headers and body: no serialisation, no ETag. The connection stays open (closing it
  // measured dearer: the client reconnects), and Node discards the unread body.
  const headers: Record<string, string | number> = { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': REFUSED.length };
  if (auth.challenge !== '') headers['WWW-Authenticate'] = auth.challenge;
  return (req, res, next) => {
    if (auth.check(req.headers.authorization)) {
      next();
      return;
    }
    onRefused?.();
    res.writeHead(401, headers).end(REFUSED);
  };
}
