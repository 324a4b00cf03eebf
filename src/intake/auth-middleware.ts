// Express middleware that refuses a request without the right credentials. It runs before the body
// is parsed: Alertmanager retries a 401 every group_interval, so the refusal must stay cheap.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Authenticator } from './webhook-auth.ts';

const REFUSED = Buffer.from(JSON.stringify({ error: 'missing or wrong credentials' }));

/**
 * Sends a refusal; if the request's body has not fully arrived, with `Connection: close`: Node would
 * otherwise read (and discard) the whole body to keep the connection, so an anonymous client could
 * make the server read gigabytes. A small body that already arrived keeps the connection (closing
 * it measured dearer: the client reconnects). The check waits one turn of the event loop because
 * Node announces a request as soon as its headers are parsed, before the rest of the same packet.
 */
export function refuseUnread(req: IncomingMessage, res: ServerResponse, send: () => void): void {
  setImmediate(() => {
    if (!req.complete) res.setHeader('Connection', 'close');
    send();
  });
}

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
