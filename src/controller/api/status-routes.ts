// The read-only routes for people and tools: GET /api/v1/status (JSON), GET /api/v1/status/events
// (server-sent events: the status on every change, as JSON or, with ?format=html, as the page's
// rendered body), GET / (the page) and GET /status/fragment (the body alone, the page's fallback
// when the event stream fails). Open for everyone who can reach the port, like /metrics: nothing
// here shows a URL or a secret (notification destinations are shown by service and safe target).

import express, { type Request, type Router } from 'express';
import type { StatusFeed } from './status-feed.ts';
import { renderStatusFragment } from './status-fragment.ts';
import { renderStatusPage } from './status-page.ts';
import type { Status } from './status.ts';

/** Streams are cheap, but each holds a socket: beyond this many the answer is 503. */
const MAX_STREAMS = 64;
const HEARTBEAT_MS = 15_000;

/** The controller's address as the browser reached it, for the resume command shown on the page. */
function serverOf(req: Request): string | undefined {
  const host = req.get('host');
  return host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? `${req.protocol}://${host}` : undefined;
}

/** One SSE message; data with line breaks is sent as several data lines (EventSource joins them). */
export function sseMessage(event: string, data: string): string {
  return `event: ${event}\n${data.split('\n').map((line) => `data: ${line}`).join('\n')}\n\n`;
}

export function createStatusRouter(deps: { status: () => Status; feed: StatusFeed; clock: () => Date }): Router {
  const router = express.Router();
  const noStore = (res: express.Response) => res.set('cache-control', 'no-store');

  router.get('/api/v1/status', (_req, res) => {
    noStore(res).json(deps.status());
  });
  router.get('/', (req, res) => {
    noStore(res).type('html').send(renderStatusPage(deps.status(), { now: deps.clock(), server: serverOf(req) }));
  });
  router.get('/status/fragment', (req, res) => {
    noStore(res).type('html').send(renderStatusFragment(deps.status(), { now: deps.clock(), server: serverOf(req) }));
  });
  router.get('/api/v1/status/events', (req, res) => {
    const format = req.query.format ?? 'json';
    if (format !== 'json' && format !== 'html') {
      res.status(400).json({ error: `format must be json or html, not ${JSON.stringify(format)}` });
      return;
    }
    if (deps.feed.listeners >= MAX_STREAMS) {
      res.status(503).json({ error: `too many status streams open (${MAX_STREAMS}); use GET /api/v1/status` });
      return;
    }
    const server = serverOf(req);
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      // nginx and similar proxies would otherwise hold the events back.
      'x-accel-buffering': 'no',
    });
    res.write('retry: 3000\n\n');
    const send = (status: Status) => {
      const data = format === 'html' ? renderStatusFragment(status, { now: deps.clock(), server }) : JSON.stringify(status);
      res.write(sseMessage('status', data));
    };
    const unsubscribe = deps.feed.subscribe(send);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const end = () => {
      clearInterval(heartbeat);
      unsubscribe();
    };
    req.on('close', end);
    res.on('error', end);
  });
  return router;
}
