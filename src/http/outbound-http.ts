// The HTTP client set-up of kreboot's outbound clients (Prometheus, Alertmanager): one axios
// instance per endpoint, with the credentials of src/auth/outbound-credentials.ts.

import axios, { type AxiosInstance, type CreateAxiosDefaults } from 'axios';
import type { OutboundCredentials } from '../auth/outbound-credentials.ts';

/**
 * The axios instance both clients use: the endpoint as base URL (with a trailing slash, so
 * relative paths append), the CA agent, no redirects, every status answered (the caller reads
 * it), a response size cap. `shown` is the URL without any user:password, for messages.
 */
export function outboundHttp(
  url: URL,
  options: { timeoutMs: number; maxBytes: number; credentials: OutboundCredentials; extra?: CreateAxiosDefaults },
): { http: AxiosInstance; shown: string } {
  const http = axios.create({
    baseURL: url.href.endsWith('/') ? url.href : `${url.href}/`,
    timeout: options.timeoutMs,
    httpsAgent: options.credentials.httpsAgent,
    validateStatus: () => true,
    maxRedirects: 0,
    maxContentLength: options.maxBytes,
    ...options.extra,
  });
  return { http, shown: `${url.protocol}//${url.host}${url.pathname}` };
}
