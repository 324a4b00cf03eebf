// Refusals that do not read what they refuse. Node answers a request as soon as its headers are
// parsed; if the body has not fully arrived when the refusal is sent, Node would read (and discard)
// all of it to keep the connection alive, so an anonymous client could make the server read
// gigabytes. Such a refusal is sent with `Connection: close` instead. A small body that already
// arrived keeps the connection (closing it measured dearer: the client reconnects).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

/**
 * Sends a refusal, closing the connection if the request's body has not fully arrived. The check
 * waits one turn of the event loop: Node announces a request before parsing the rest of the packet
 * that carried its headers, so a small body is complete by then.
 */
export function refuseUnread(req: IncomingMessage, res: ServerResponse, send: () => void): void {
  setImmediate(() => {
    if (!req.complete) res.setHeader('Connection', 'close');
    send();
  });
}

/** The last handler: 404 for every path no route took, without reading the body. */
export const notFound: RequestHandler = (req, res) => {
  refuseUnread(req, res, () => {
    res.status(404).json({ error: `no such endpoint: ${req.method} ${req.path.slice(0, 200)}` });
  });
};
