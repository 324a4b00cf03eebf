// The one error a notifier throws. Its text is built by us from status codes and the service's
// short error strings, never from axios errors or URLs, so it is safe to log as is.

export class DeliveryError extends Error {
  /** 429, 5xx, timeouts and connection failures may succeed later; anything else will not. */
  readonly retryable: boolean;
  /** The wait the service asked for (Retry-After or its body's equivalent), in milliseconds. */
  readonly retryAfterMs: number | undefined;
  readonly status: number | undefined;

  constructor(message: string, options: { retryable: boolean; retryAfterMs?: number | undefined; status?: number | undefined }) {
    super(message);
    this.name = 'DeliveryError';
    this.retryable = options.retryable;
    this.retryAfterMs = options.retryAfterMs;
    this.status = options.status;
  }
}

/** Retry-After is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
