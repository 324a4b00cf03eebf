// The read-only routes for people and tools: GET /api/v1/status (JSON), GET /api/v1/status/events
// (server-sent events: the status on every change, as JSON or, with ?format=html, as the page's
// rendered body), GET / (the page) and GET /status/fragment (the body alone, the page's fallback
// when the event stream fails). Open for everyone who can reach the port, like /metrics: nothing
// here shows a URL or a secret (notification destinations are shown by service and safe target),
// and nothing here can exhaust the controller: the status is built once per change, the streams
// are bounded by status-streams.ts (docs/operator-view.md, "Who can read it").

import express, { type Request, type Router } from 'express';
import { STREAM_LIMITS, type StatusStreams } from './status-streams.ts';
import { renderStatusFragment } from './status-fragment.ts';
import { renderStatusPage } from './status-page.ts';
import { DEFAULT_STATUS_LIMIT, viewStatus, type Status, type StatusView } from './status.ts';

/** Rows the page shows by default: the nodes to look at first; filters show the rest. */
const PAGE_ROWS = 100;
const PHASES = new Set(['idle', 'queued', 'waiting', 'cordoned', 'draining', 'rebooting', 'verifying', 'done', 'failed']);

/** ?limit=N&phase=a,b&node=text, checked: a bad parameter is a 400 naming it. */
export function parseStatusView(query: Request['query'], defaultLimit: number): { view: StatusView } | { error: string } {
  const one = (name: string) => {
    const value = query[name];
    return Array.isArray(value) ? String(value.at(-1)) : typeof value === 'string' ? value : undefined;
  };
  const limitText = one('limit');
  const limit = limitText === undefined || limitText === '' ? defaultLimit : /^\d{1,6}$/.test(limitText) ? Number(limitText) : NaN;
  if (Number.isNaN(limit)) return { error: `limit must be a whole number (0 lists every node), not ${JSON.stringify(limitText)}` };
  const phases = (one('phase') ?? '')
    .split(',')
    .map((phase) => phase.trim())
    .filter(Boolean);
  const unknown = phases.filter((phase) => !PHASES.has(phase));
  if (unknown.length > 0) return { error: `unknown phase ${JSON.stringify(unknown[0])}; phases are ${[...PHASES].join(', ')}` };
  const node = one('node') ?? '';
  if (node.length > 253) return { error: 'node must be at most 253 characters' };
  return { view: { limit, ...(phases.length > 0 ? { phases } : {}), ...(node ? { node } : {}) } };
}

/** The controller's address as the browser reached it, for the resume command shown on the page. */
function serverOf(req: Request): string | undefined {
  const host = req.get('host');
  return host && /^[A-Za-z0-9.:[\]-]+$/.test(host) ? `${req.protocol}://${host}` : undefined;
}

/** One SSE message; data with line breaks is sent as several data lines (EventSource joins them). */
function sseMessage(event: string, data: string): string {
  return `event: ${event}\n${data
    .split('\n')
    .map((line) => `data: ${line}`)
    .join('\n')}\n\n`;
}

/** The stream's ?limit: 1 to the maximum. Every node (0) is offered only by GET /api/v1/status, answered once. */
function streamLimitError(query: Request['query']): string | undefined {
  const value = query.limit;
  const text = Array.isArray(value) ? String(value.at(-1)) : typeof value === 'string' ? value : undefined;
  if (text === undefined || text === '') return undefined;
  const limit = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
  if (limit >= 1 && limit <= STREAM_LIMITS.maxLimit) return undefined;
  return `limit must be 1 to ${STREAM_LIMITS.maxLimit} on the event stream, not ${JSON.stringify(text)} (GET /api/v1/status?limit=0 lists every node)`;
}

export function createStatusRouter(deps: { status: () => Status; streams: StatusStreams; clock: () => Date }): Router {
  const router = express.Router();
  const noStore = (res: express.Response) => res.set('cache-control', 'no-store');

  /** The view the request asks for, or a 400 naming the bad parameter (then undefined). */
  const viewOf = (req: Request, res: express.Response, defaultLimit: number): StatusView | undefined => {
    const parsed = parseStatusView(req.query, defaultLimit);
    if ('view' in parsed) return parsed.view;
    res.status(400).json({ error: parsed.error });
    return undefined;
  };

  router.get('/api/v1/status', (req, res) => {
    const view = viewOf(req, res, DEFAULT_STATUS_LIMIT);
    if (view) noStore(res).json(viewStatus(deps.status(), view));
  });
  router.get('/', (req, res) => {
    const view = viewOf(req, res, PAGE_ROWS);
    if (view)
      noStore(res)
        .type('html')
        .send(renderStatusPage(viewStatus(deps.status(), view), { now: deps.clock(), server: serverOf(req) }));
  });
  router.get('/status/fragment', (req, res) => {
    const view = viewOf(req, res, PAGE_ROWS);
    if (view)
      noStore(res)
        .type('html')
        .send(renderStatusFragment(viewStatus(deps.status(), view), { now: deps.clock(), server: serverOf(req) }));
  });
  router.get('/api/v1/status/events', (req, res) => {
    const format = req.query.format ?? 'json';
    if (format !== 'json' && format !== 'html') {
      res.status(400).json({ error: `format must be json or html, not ${JSON.stringify(format)}` });
      return;
    }
    const limitError = streamLimitError(req.query);
    if (limitError) {
      res.status(400).json({ error: limitError });
      return;
    }
    const view = viewOf(req, res, format === 'html' ? PAGE_ROWS : DEFAULT_STATUS_LIMIT);
    if (!view) return;
    const server = serverOf(req);
    // Streams with the same key are sent the same bytes, rendered once per change.
    const key = JSON.stringify([format, view.limit, view.phases ?? [], view.node ?? '', format === 'html' ? (server ?? '') : '']);
    const render = (whole: Status) => {
      const status = viewStatus(whole, view);
      return sseMessage('status', format === 'html' ? renderStatusFragment(status, { now: deps.clock(), server }) : JSON.stringify(status));
    };
    const refused = deps.streams.open(req, res, key, render);
    if (refused) res.status(503).set('retry-after', '10').json({ error: refused });
  });
  return router;
}
