// A small Prometheus HTTP API client: instant queries only (what the gates need), with bearer or
// basic auth from files, a CA bundle and a timeout. Secret files are checked at start and read
// again for each query, so a rotated token (a projected service-account token) keeps working.
// Responses are capped in size (MAX_RESPONSE_BYTES): a misbehaving or hostile endpoint cannot make
// the controller buffer an unbounded body.

import { loadOutboundCredentials, type EndpointConfig } from '../auth/outbound-credentials.ts';
import { outboundHttp } from '../http/outbound-http.ts';

/** The gates ask for firing alerts and small vectors; 16 MiB is thousands of series. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  readonly value: number;
}

export type QueryResult =
  | { readonly resultType: 'vector' | 'matrix'; readonly series: readonly Sample[] }
  | { readonly resultType: 'scalar' | 'string'; readonly value: string };

export interface PrometheusClient {
  readonly url: string;
  /** Instant query at the server's "now". Throws with a readable message on any failure. */
  query(promql: string): Promise<QueryResult>;
}

interface ApiBody {
  status?: string;
  error?: string;
  errorType?: string;
  data?: { resultType?: string; result?: unknown };
}

function toSamples(result: unknown): Sample[] {
  if (!Array.isArray(result)) throw new Error('malformed response: result is not a list');
  return result.map((item: { metric?: Record<string, string>; value?: [number, string]; values?: [number, string][] }) => ({
    metric: item.metric ?? {},
    value: Number(item.value?.[1] ?? item.values?.at(-1)?.[1] ?? NaN),
  }));
}

export function createPrometheusClient(config: EndpointConfig & { url: URL }): { client: PrometheusClient; problems: string[] } {
  const problems: string[] = [];
  const credentials = loadOutboundCredentials(config, 'prometheus', problems);
  const { http, shown } = outboundHttp(config.url, { timeoutMs: config.timeoutMs, maxBytes: MAX_RESPONSE_BYTES, credentials });
  const authorization = () => credentials.authorization();

  const client: PrometheusClient = {
    url: shown,
    async query(promql) {
      const auth = authorization();
      let response;
      try {
        response = await http.post<ApiBody>('api/v1/query', new URLSearchParams({ query: promql }), {
          headers: auth ? { Authorization: auth } : {},
        });
      } catch (error) {
        // axios's message ("connect ECONNREFUSED …", "timeout of 10000ms exceeded"). No `cause`: the
        // axios error carries the request headers, and with them the credentials, into any log.
        const message = (error as Error).message;
        if (/maxContentLength/.test(message)) {
          // eslint-disable-next-line preserve-caught-error
          throw new Error(`Prometheus ${shown} answered more than ${MAX_RESPONSE_BYTES} bytes: refused`);
        }
        // eslint-disable-next-line preserve-caught-error
        throw new Error(`Prometheus ${shown} unreachable: ${message}`);
      }
      const body = response.data;
      if (response.status !== 200 || body?.status !== 'success') {
        const detail =
          body && typeof body === 'object' && body.error ? `${body.errorType ?? 'error'}: ${body.error}` : `HTTP ${response.status}`;
        throw new Error(`Prometheus ${shown} query failed: ${detail}`);
      }
      const type = body.data?.resultType;
      if (type === 'vector' || type === 'matrix') return { resultType: type, series: toSamples(body.data?.result) };
      if (type === 'scalar' || type === 'string') return { resultType: type, value: String((body.data?.result as unknown[])?.[1]) };
      throw new Error(`Prometheus ${shown}: unexpected result type ${String(type)}`);
    },
  };
  return { client, problems };
}
