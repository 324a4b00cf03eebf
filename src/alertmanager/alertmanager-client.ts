// A small Alertmanager API v2 client: create, list and expire silences, and list alerts with their
// silenced/inhibited state. The same credentials as the Prometheus client (bearer token or basic
// auth from files read again for each request, so rotated secrets keep working; a CA bundle), a
// timeout, and a cap on response bodies: a huge alert list must not exhaust the controller's memory.

import type { AxiosResponse } from 'axios';
import { loadOutboundCredentials, type EndpointConfig } from '../auth/outbound-credentials.ts';
import { outboundHttp } from '../http/outbound-http.ts';

export interface AlertmanagerConfig extends EndpointConfig {
  readonly url: URL;
  /** Largest response body read, in bytes (default 16 MiB). */
  readonly maxResponseBytes?: number;
}

/** Alertmanager's matcher: `isEqual: false` is `!=` / `!~`. */
export interface SilenceMatcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  readonly isEqual: boolean;
}

interface NewSilence {
  /** Given: update that silence (Alertmanager extends it in place or replaces it, returning the ID to use). */
  readonly id?: string;
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly createdBy: string;
  readonly comment: string;
}

export interface Silence {
  readonly id: string;
  readonly state: 'active' | 'pending' | 'expired' | string;
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
}

export interface AlertmanagerAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly state: 'active' | 'suppressed' | 'unprocessed' | string;
  readonly silencedBy: readonly string[];
  readonly inhibitedBy: readonly string[];
}

interface AlertsQuery {
  readonly active?: boolean;
  readonly silenced?: boolean;
  readonly inhibited?: boolean;
  readonly unprocessed?: boolean;
  /** Alertmanager matchers, e.g. `alertname="HighLoad"`. */
  readonly filter?: readonly string[];
}

export interface AlertmanagerClient {
  /** The URL without credentials, for messages. */
  readonly url: string;
  createSilence(silence: NewSilence): Promise<string>;
  /** Expires a silence; one already expired (or unknown to Alertmanager) counts as done. */
  expireSilence(id: string): Promise<void>;
  /**
   * Silences, active and ended (Alertmanager keeps ended ones for days). `filter`: Alertmanager
   * matchers on the silences' own matchers (`node="n1"` keeps the silences with a `node` matcher
   * whose value is exactly "n1"), so the answer holds only those instead of every silence.
   */
  silences(filter?: readonly string[]): Promise<Silence[]>;
  alerts(query?: AlertsQuery): Promise<AlertmanagerAlert[]>;
}

const DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toMatchers(value: unknown): SilenceMatcher[] {
  if (!Array.isArray(value)) return [];
  return value
    .filter(isObject)
    .map((m) => ({ name: String(m.name), value: String(m.value), isRegex: m.isRegex === true, isEqual: m.isEqual !== false }));
}

function toSilence(item: unknown): Silence {
  if (!isObject(item) || typeof item.id !== 'string') throw new Error('malformed response: a silence without an id');
  const status = isObject(item.status) ? item.status : {};
  return {
    id: item.id,
    state: String(status.state ?? ''),
    matchers: toMatchers(item.matchers),
    startsAt: String(item.startsAt ?? ''),
    endsAt: String(item.endsAt ?? ''),
    createdBy: String(item.createdBy ?? ''),
    comment: String(item.comment ?? ''),
  };
}

function toAlert(item: unknown): AlertmanagerAlert {
  if (!isObject(item) || !isObject(item.labels)) throw new Error('malformed response: an alert without labels');
  const status = isObject(item.status) ? item.status : {};
  const strings = (value: unknown) => (Array.isArray(value) ? value.map(String) : []);
  const labels = Object.fromEntries(Object.entries(item.labels).map(([k, v]) => [k, String(v)]));
  return { labels, state: String(status.state ?? ''), silencedBy: strings(status.silencedBy), inhibitedBy: strings(status.inhibitedBy) };
}

export function createAlertmanagerClient(config: AlertmanagerConfig): { client: AlertmanagerClient; problems: string[] } {
  const problems: string[] = [];
  const credentials = loadOutboundCredentials(config, 'alertmanager', problems);
  const maxBytes = config.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  // Bodies are parsed here, so a non-JSON answer (a proxy's HTML page) gives a readable error.
  const { http, shown } = outboundHttp(config.url, {
    timeoutMs: config.timeoutMs,
    maxBytes,
    credentials,
    extra: { responseType: 'text', transformResponse: [(data: unknown) => data] },
  });
  const authorization = () => credentials.authorization();

  async function call(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    options: { params?: URLSearchParams; body?: unknown } = {},
  ): Promise<AxiosResponse<string>> {
    const auth = authorization();
    const headers: Record<string, string> = { accept: 'application/json', ...(auth ? { Authorization: auth } : {}) };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await http.request<string>({
        method,
        url: path,
        params: options.params,
        data: options.body === undefined ? undefined : JSON.stringify(options.body),
        headers,
      });
    } catch (error) {
      // axios's message ("connect ECONNREFUSED …", "timeout of 5000ms exceeded", "maxContentLength
      // size of … exceeded"). No `cause`: the axios error carries the request headers, and with them
      // the credentials, into any log.
      // eslint-disable-next-line preserve-caught-error
      throw new Error(`Alertmanager ${shown} unreachable: ${(error as Error).message}`);
    }
  }

  function failure(what: string, response: AxiosResponse<string>): Error {
    const text = typeof response.data === 'string' ? response.data.trim().slice(0, 300) : '';
    return new Error(`Alertmanager ${shown} ${what} failed: HTTP ${response.status}${text ? ` ${text}` : ''}`);
  }

  function json(what: string, response: AxiosResponse<string>): unknown {
    if (response.status !== 200) throw failure(what, response);
    try {
      return JSON.parse(response.data) as unknown;
    } catch {
      throw new Error(`Alertmanager ${shown} ${what}: the answer is not JSON`);
    }
  }

  const client: AlertmanagerClient = {
    url: shown,
    async createSilence(silence) {
      const body = {
        ...(silence.id ? { id: silence.id } : {}),
        matchers: silence.matchers,
        startsAt: silence.startsAt.toISOString(),
        endsAt: silence.endsAt.toISOString(),
        createdBy: silence.createdBy,
        comment: silence.comment,
      };
      const answer = json('creating a silence', await call('POST', 'api/v2/silences', { body }));
      if (!isObject(answer) || typeof answer.silenceID !== 'string')
        throw new Error(`Alertmanager ${shown} creating a silence: no silenceID in the answer`);
      return answer.silenceID;
    },
    async expireSilence(id) {
      const response = await call('DELETE', `api/v2/silence/${encodeURIComponent(id)}`);
      if (response.status === 200 || response.status === 404) return;
      // Alertmanager answers 500 "already expired" for a silence that has ended: that is done too.
      const check = await call('GET', `api/v2/silence/${encodeURIComponent(id)}`);
      if (check.status === 404) return;
      if (check.status === 200 && toSilence(json('reading a silence', check)).state === 'expired') return;
      throw failure(`expiring silence ${id}`, response);
    },
    async silences(filter = []) {
      const params = new URLSearchParams();
      for (const matcher of filter) params.append('filter', matcher);
      const answer = json('listing silences', await call('GET', 'api/v2/silences', { params }));
      if (!Array.isArray(answer)) throw new Error(`Alertmanager ${shown} listing silences: the answer is not a list`);
      return answer.map(toSilence);
    },
    async alerts(query = {}) {
      const params = new URLSearchParams();
      for (const key of ['active', 'silenced', 'inhibited', 'unprocessed'] as const) {
        if (query[key] !== undefined) params.set(key, String(query[key]));
      }
      for (const matcher of query.filter ?? []) params.append('filter', matcher);
      const answer = json('listing alerts', await call('GET', 'api/v2/alerts', { params }));
      if (!Array.isArray(answer)) throw new Error(`Alertmanager ${shown} listing alerts: the answer is not a list`);
      return answer.map(toAlert);
    },
  };
  return { client, problems };
}
