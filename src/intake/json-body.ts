// Reads a JSON request body within a byte limit, and bounds what a refused body costs.
// express.json (body-parser) answers an oversized body only after reading it to its end (so the
// connection can be kept): an anonymous client announcing 10 GB held the server that long. Here a
// body far over the limit (more than twice it, announced or arriving) is refused at once and the
// connection closed. A body only somewhat over the limit is read to its end and discarded first, for
// at most DISCARD_MS: answering and closing while the client is still sending leaves unread bytes
// in the socket, and the kernel then resets the connection, so the client can lose the answer (a
// fuzz run of 10,000 requests saw `write EPIPE` instead of 413, about once per run).

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

interface BodyRefusal {
  readonly status: 400 | 413 | 415;
  readonly error: string;
}

/** How long a refused body somewhat over the limit is still read (and discarded) before the answer. */
const DISCARD_MS = 2_000;

/** Answers the refusal; `close` unless the whole body was read (the connection can then be kept). */
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  refusal: BodyRefusal,
  onRefused: (status: number) => void,
  close = !req.complete,
): void {
  onRefused(refusal.status);
  if (close) {
    req.pause();
    res.setHeader('Connection', 'close');
  }
  res.statusCode = refusal.status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify({ error: refusal.error }));
}

/** The charset of a Content-Type, lowercased; '' when none is given. */
function charset(contentType: string | undefined): string {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '');
  return match ? match[1]!.toLowerCase() : '';
}

/** Parses the body into req.body: an object or an array (JSON text that is a bare value is refused). */
export function jsonBody(limitBytes: number, onRefused: (status: number) => void = () => {}): RequestHandler {
  return (req, res, next) => {
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity')
      return refuse(
        req,
        res,
        { status: 415, error: `content encoding "${encoding}" is not supported: send the body uncompressed` },
        onRefused,
      );
    const set = charset(req.headers['content-type']);
    if (set !== '' && set !== 'utf-8' && set !== 'utf8')
      return refuse(req, res, { status: 415, error: `charset "${set}" is not supported: send UTF-8` }, onRefused);
    const tooLarge: BodyRefusal = { status: 413, error: `body larger than ${limitBytes} bytes` };
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > 2 * limitBytes) return refuse(req, res, tooLarge, onRefused);

    const chunks: Buffer[] = [];
    let size = 0;
    // Over the limit: the rest is discarded until the body ends (then 413 on a connection that can
    // be kept), grows past twice the limit, or DISCARD_MS pass (then 413 and close).
    let discarding: NodeJS.Timeout | undefined;
    let answered = false;
    const refuseOnce = (close?: boolean) => {
      if (answered) return;
      answered = true;
      clearTimeout(discarding);
      req.off('data', onData);
      refuse(req, res, tooLarge, onRefused, close);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      if (size > 2 * limitBytes) return refuseOnce(true);
      discarding ??= setTimeout(() => refuseOnce(true), DISCARD_MS);
    };
    req.on('data', onData);
    // An aborted upload has nobody to answer; the server closes the socket.
    req.on('error', () => clearTimeout(discarding));
    req.on('end', () => {
      if (size > limitBytes) return refuseOnce(false);
      if (answered) return;
      let value: unknown;
      try {
        value = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (error) {
        return refuse(req, res, { status: 400, error: `malformed JSON: ${(error as Error).message}` }, onRefused);
      }
      if (typeof value !== 'object' || value === null)
        return refuse(req, res, { status: 400, error: 'malformed JSON: the body must be an object' }, onRefused);
      req.body = value;
      next();
    });
  };
}
