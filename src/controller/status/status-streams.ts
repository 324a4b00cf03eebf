// The open status event streams (GET /api/v1/status/events), bounded so that no client can exhaust
// the controller (issue 26, item 7: readers that never read took a replica out of memory in
// seconds). Three rules:
// - Render once per change and view: every stream asking for the same view (format, filters, the
//   address shown in the page's resume command) is sent the same bytes, rendered once. A Buffer
//   written to many sockets is held once, not copied per socket.
// - Honour back-pressure: a stream that has not taken what it was sent (more than
//   `pendingBytesPerStream` still queued in the process) is closed, not buffered without bound. A
//   browser's EventSource reconnects on its own (retry: 3 s) and is sent the current status.
// - Budget: the bytes queued for all streams together stay under `bytesInFlight`; a send that
//   would pass it closes that stream. Streams are capped in all and per client address.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusFeed } from './status-feed.ts';
import type { Status } from './status.ts';

export interface StreamLimits {
  /** Open streams per replica; one more is answered 503. */
  readonly maxStreams: number;
  /** Open streams from one client address (a kubectl port-forward shows every user as 127.0.0.1). */
  readonly maxStreamsPerAddress: number;
  /** Most nodes one stream may ask for (?limit=): a 1,000-node view is about 0.3–0.6 MB per change. */
  readonly maxLimit: number;
  /** Bytes a stream may leave unread (queued in the process, beyond the kernel's buffers). */
  readonly pendingBytesPerStream: number;
  /** Bytes queued for all streams together. */
  readonly bytesInFlight: number;
  readonly heartbeatMs: number;
}

export const STREAM_LIMITS: StreamLimits = Object.freeze({
  maxStreams: 64,
  maxStreamsPerAddress: 16,
  maxLimit: 1000,
  pendingBytesPerStream: 1024 * 1024,
  bytesInFlight: 16 * 1024 * 1024,
  heartbeatMs: 15_000,
});

/** Renders one view of the status as a whole SSE message. */
export type RenderView = (status: Status) => string;

export interface StatusStreams {
  /** Starts a stream on `res` (headers not yet sent) for the view `key`; or returns why not (503). */
  open(req: IncomingMessage, res: ServerResponse, key: string, render: RenderView): string | undefined;
  readonly count: number;
  /** Views rendered since start (tests: once per change and view). */
  readonly renders: number;
  /** Bytes queued in the process for all streams. */
  bytesInFlight(): number;
  close(): void;
}

interface Stream {
  readonly res: ServerResponse;
  readonly key: string;
  readonly address: string;
  readonly render: RenderView;
}

const HEARTBEAT = Buffer.from(': keep-alive\n\n');
const RETRY = Buffer.from('retry: 3000\n\n');

export function createStatusStreams(deps: {
  feed: StatusFeed;
  /** The current status (cached: a new stream costs no build). */
  status: () => Status;
  limits?: StreamLimits;
  /** Told when a stream is closed for falling behind (a log line, a metric). */
  onDropped?: (why: string) => void;
}): StatusStreams {
  const limits = deps.limits ?? STREAM_LIMITS;
  const streams = new Set<Stream>();
  let unsubscribe: (() => void) | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let renders = 0;
  // The bytes of each view for one status; a new status starts afresh, so this holds at most one
  // message per open view.
  let rendered: { status: Status; views: Map<string, Buffer> } | undefined;

  const bytesOf = (status: Status, stream: Stream): Buffer => {
    if (rendered?.status !== status) rendered = { status, views: new Map() };
    let bytes = rendered.views.get(stream.key);
    if (!bytes) {
      renders++;
      bytes = Buffer.from(stream.render(status));
      rendered.views.set(stream.key, bytes);
    }
    return bytes;
  };
  const inFlight = () => {
    let sum = 0;
    for (const stream of streams) sum += stream.res.writableLength;
    return sum;
  };
  const drop = (stream: Stream, why: string) => {
    remove(stream);
    deps.onDropped?.(why);
    // Destroyed, not ended: ending would keep what is queued until the client reads it.
    stream.res.destroy();
  };
  /** Writes unless the stream is behind or the budget is spent; then closes the stream. */
  const send = (stream: Stream, bytes: Buffer) => {
    if (stream.res.writableLength > limits.pendingBytesPerStream) return drop(stream, 'the client does not read what it is sent');
    if (inFlight() + bytes.length > limits.bytesInFlight) return drop(stream, 'the streams have too many bytes queued');
    stream.res.write(bytes);
  };
  const broadcast = (status: Status) => {
    for (const stream of [...streams]) send(stream, bytesOf(status, stream));
  };
  function remove(stream: Stream): void {
    if (!streams.delete(stream)) return;
    if (streams.size > 0) return;
    unsubscribe?.();
    unsubscribe = undefined;
    clearInterval(heartbeat);
    heartbeat = undefined;
  }

  return {
    open(req, res, key, render) {
      if (streams.size >= limits.maxStreams) return `too many status streams open (${limits.maxStreams}); use GET /api/v1/status`;
      const address = req.socket.remoteAddress ?? '';
      let fromAddress = 0;
      for (const stream of streams) if (stream.address === address) fromAddress++;
      if (fromAddress >= limits.maxStreamsPerAddress)
        return `too many status streams open from ${address} (${limits.maxStreamsPerAddress}); use GET /api/v1/status`;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        // nginx and similar proxies would otherwise hold the events back.
        'x-accel-buffering': 'no',
      });
      res.write(RETRY);
      const stream: Stream = { res, key, address, render };
      streams.add(stream);
      req.on('close', () => remove(stream));
      res.on('error', () => remove(stream));
      if (!unsubscribe) {
        // The feed tells its first listener the current status at once: that is this stream's first message.
        const stop = deps.feed.subscribe(broadcast);
        // That first message may already have closed the stream (a message larger than the whole budget).
        if (streams.size === 0) {
          stop();
          return undefined;
        }
        unsubscribe = stop;
        heartbeat = setInterval(() => {
          for (const open of [...streams]) send(open, HEARTBEAT);
        }, limits.heartbeatMs);
        heartbeat.unref();
      } else send(stream, bytesOf(deps.status(), stream));
      return undefined;
    },
    get count() {
      return streams.size;
    },
    get renders() {
      return renders;
    },
    bytesInFlight: inFlight,
    close() {
      for (const stream of [...streams]) {
        remove(stream);
        stream.res.destroy();
      }
    },
  };
}
