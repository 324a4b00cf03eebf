// Sends one HTTP request for a notifier with axios: a hard per-request timeout, no redirects
// (a redirect could carry a token to another host), and errors turned into DeliveryErrors whose
// text never includes the URL. Endpoint overrides swap the origin a notifier computed for another
// one; they exist so tests (and a relay in an air-gapped cluster) can stand in for a public
// service without a user-visible flag. The notifier still builds the path, headers and body the
// service documents, so an override changes where a request goes, never what it is.

import type { AxiosInstance } from 'axios';
import { VERSION } from '../version.ts';
import { DeliveryError } from './delivery-error.ts';

/** The largest response body read from a notification service. */
export const MAX_RESPONSE_BYTES = 1024 * 1024;

export interface HttpRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

export interface HttpTransport {
  request(request: HttpRequest): Promise<HttpResponse>;
}

export interface TransportOptions {
  readonly timeoutMs: number;
  /** Origin → replacement origin, e.g. `https://hooks.slack.com` → `http://127.0.0.1:40123`. */
  readonly endpointOverrides?: Readonly<Record<string, string>> | undefined;
  /** Aborted at shutdown: every request still under way ends at once. */
  readonly shutdown?: AbortSignal | undefined;
}

export function createHttpTransport(options: TransportOptions): HttpTransport {
  // axios is loaded by the first notification, not at start (~7 MB of idle memory; ADR 0024).
  let loaded: Promise<AxiosInstance> | undefined;
  const client = () =>
    (loaded ??= import('axios').then(({ default: axios }) =>
      axios.create({
        timeout: options.timeoutMs,
        maxRedirects: 0,
        responseType: 'text',
        transformResponse: [(data: unknown) => data],
        validateStatus: () => true,
        // Chat services answer with a few hundred bytes; a larger answer is refused, not buffered.
        maxContentLength: MAX_RESPONSE_BYTES,
      }),
    ));
  const overrides = new Map(Object.entries(options.endpointOverrides ?? {}).map(([from, to]) => [new URL(from).origin, new URL(to)]));

  return {
    async request(request) {
      const signal = options.shutdown;
      const url = new URL(request.url);
      const override = overrides.get(url.origin);
      if (override) {
        url.protocol = override.protocol;
        url.host = override.host;
      }
      const timeout = AbortSignal.timeout(options.timeoutMs);
      const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
      try {
        const response = await (
          await client()
        ).request<string>({
          method: request.method,
          url: url.toString(),
          headers: { 'User-Agent': `kreboot/${VERSION}`, ...request.headers },
          ...(request.method === 'GET' ? {} : { data: request.body }),
          signal: combined,
        });
        const headers: Record<string, string | undefined> = {};
        for (const [name, value] of Object.entries(response.headers as Record<string, unknown>)) {
          headers[name.toLowerCase()] = value === undefined || value === null ? undefined : String(value);
        }
        return { status: response.status, headers, body: typeof response.data === 'string' ? response.data : '' };
      } catch (error) {
        throw toDeliveryError(error, signal, options.timeoutMs);
      }
    },
  };
}

function toDeliveryError(error: unknown, signal: AbortSignal | undefined, timeoutMs: number): DeliveryError {
  if (signal?.aborted) return new DeliveryError('request aborted at shutdown', { retryable: false });
  const code = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : '';
  if (code === 'ERR_CANCELED' || code === 'ECONNABORTED' || code === 'ETIMEDOUT') {
    return new DeliveryError(`no response within ${timeoutMs}ms`, { retryable: true });
  }
  if (code === 'ERR_BAD_RESPONSE' && /maxContentLength/.test((error as Error).message)) {
    return new DeliveryError(`response larger than ${MAX_RESPONSE_BYTES} bytes`, { retryable: false });
  }
  // Only the error code is kept: axios messages and error objects can embed the request URL.
  return new DeliveryError(`connection failed (${code || 'unknown error'})`, { retryable: true });
}
