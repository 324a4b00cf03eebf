// The HTTP client set-up of kreboot's outbound clients (Prometheus, Alertmanager): one axios
// instance per endpoint, with the credentials of src/auth/outbound-credentials.ts.
//
// The timeout is a deadline for the whole call (connect, headers and the full body). axios'
// own `timeout` counts only idle time on the socket: a server that sends a byte every 500 ms held
// a 1 s timeout for 6.5 s, inside the decision cycle (issue 26). Each request therefore carries
// an AbortSignal.timeout of the same length, and an abort by it reads as a timeout in messages.

import type { AxiosInstance, CreateAxiosDefaults } from 'axios';
import type { OutboundCredentials } from '../auth/outbound-credentials.ts';

/** The calls the clients make. */
export type OutboundClient = Pick<AxiosInstance, 'post' | 'request'>;

/**
 * The axios instance both clients use: the endpoint as base URL (with a trailing slash, so
 * relative paths append), the CA agent, no redirects, every status answered (the caller reads
 * it), a response size cap, a total deadline. `shown` is the URL without any user:password.
 *
 * axios is loaded by the first request, not at start: a controller whose gates never run (nothing
 * to reboot) or that has no Prometheus or Alertmanager never needs it, and loading it held ~7 MB
 * of the controller's idle memory (issue 25, ADR 0024).
 */
export function outboundHttp(
  url: URL,
  options: { timeoutMs: number; maxBytes: number; credentials: OutboundCredentials; extra?: CreateAxiosDefaults },
): { http: OutboundClient; shown: string } {
  let loaded: Promise<AxiosInstance> | undefined;
  const instance = () => (loaded ??= import('axios').then(({ default: axios }) => create(axios, url, options)));
  const http: OutboundClient = {
    post: ((...args: Parameters<AxiosInstance['post']>) => instance().then((client) => client.post(...args))) as AxiosInstance['post'],
    request: ((config: Parameters<AxiosInstance['request']>[0]) =>
      instance().then((client) => client.request(config))) as AxiosInstance['request'],
  };
  return { http, shown: `${url.protocol}//${url.host}${url.pathname}` };
}

function create(
  axios: typeof import('axios').default,
  url: URL,
  options: { timeoutMs: number; maxBytes: number; credentials: OutboundCredentials; extra?: CreateAxiosDefaults },
): AxiosInstance {
  const http = axios.create({
    baseURL: url.href.endsWith('/') ? url.href : `${url.href}/`,
    timeout: options.timeoutMs,
    httpsAgent: options.credentials.httpsAgent,
    validateStatus: () => true,
    maxRedirects: 0,
    maxContentLength: options.maxBytes,
    ...options.extra,
  });
  http.interceptors.request.use((config) => {
    config.signal ??= AbortSignal.timeout(options.timeoutMs);
    return config;
  });
  http.interceptors.response.use(undefined, (error: unknown) => {
    const signal = axios.isAxiosError(error) ? (error.config?.signal as AbortSignal | undefined) : undefined;
    if (axios.isCancel(error) && signal?.aborted && (signal.reason as Error | undefined)?.name === 'TimeoutError') {
      // No `cause`: the axios error carries the request headers (credentials) into any log.
      throw new Error(`timeout of ${options.timeoutMs}ms exceeded (a deadline for the whole answer)`);
    }
    throw error;
  });
  return http;
}
