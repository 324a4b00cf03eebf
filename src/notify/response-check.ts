// Shared reading of a service's answer: success statuses pass, 429 and 5xx are retryable (with the
// wait the service asked for), everything else is a permanent failure with a short reason.

import { DeliveryError, parseRetryAfter } from './delivery-error.ts';
import type { HttpResponse } from './http-transport.ts';

export interface CheckOptions {
  readonly now: number;
  /** Some services also put the wait in the body (Discord `retry_after`, Telegram `parameters.retry_after`), in seconds. */
  readonly bodyRetryAfterSeconds?: (body: string) => number | undefined;
  /** Extracts the service's short error string from a failure body. */
  readonly errorText?: (body: string) => string | undefined;
}

export function checkResponse(response: HttpResponse, options: CheckOptions): void {
  if (response.status >= 200 && response.status < 300) return;
  const retryable = response.status === 429 || response.status >= 500;
  const headerWait = parseRetryAfter(response.headers['retry-after'], options.now);
  const bodyWait = options.bodyRetryAfterSeconds?.(response.body);
  const retryAfterMs = headerWait ?? (bodyWait === undefined ? undefined : Math.round(bodyWait * 1000));
  const detail = options.errorText?.(response.body) ?? shortBody(response.body);
  throw new DeliveryError(`HTTP ${response.status}${detail ? `: ${detail}` : ''}`, { retryable, retryAfterMs, status: response.status });
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** A field of a JSON object body, if the body is one. */
export function jsonField(body: string, ...path: string[]): unknown {
  let value: unknown = parseJson(body);
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function shortBody(body: string): string {
  const oneLine = body.replace(/\s+/g, ' ').trim();
  return oneLine.length > 120 ? `${oneLine.slice(0, 117)}...` : oneLine;
}
