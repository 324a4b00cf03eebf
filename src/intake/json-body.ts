// Reads a JSON request body within a byte limit, and stops reading the moment it is refused.
// express.json (body-parser) answers an oversized body only after reading it to its end (so the
// connection can be kept): an anonymous client announcing 10 GB held the server that long. Here an
// over-limit Content-Length is refused before a byte is read, a body that grows past the limit is
// refused when it does, and both close the connection rather than drain it.

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';

interface BodyRefusal {
  readonly status: 400 | 413 | 415;
  readonly error: string;
}

function refuse(req: IncomingMessage, res: ServerResponse, refusal: BodyRefusal, onRefused: (status: number) => void): void {
  onRefused(refusal.status);
  req.pause();
  res.setHeader('Connection', 'close');
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
    if (declared > limitBytes) return refuse(req, res, tooLarge, onRefused);

    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      refused = true;
      req.off('data', onData);
      refuse(req, res, tooLarge, onRefused);
    };
    req.on('data', onData);
    // An aborted upload has nobody to answer; the server closes the socket.
    req.on('error', () => {});
    req.on('end', () => {
      if (refused) return;
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
