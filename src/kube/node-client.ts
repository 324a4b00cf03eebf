// A small client for the three Node calls the agent makes — get, merge-patch, watch — on node:https
// with one keep-alive agent. The agent uses it instead of @kubernetes/client-node to stay within its
// memory budget (docs/agent.md); the controller keeps the full library.

import { request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { V1Node } from '@kubernetes/client-node';
import { KubeHttpError } from './api-errors.ts';
import type { RestConfig } from './rest-config.ts';

type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface NodeWatchHandle {
  /** Resolves when the watch ends: server closed it (undefined) or it failed (an error). */
  readonly ended: Promise<Error | undefined>;
  abort(): void;
}

export interface NodeClient {
  get(name: string): Promise<V1Node>;
  /** JSON merge patch; include metadata.resourceVersion in the body for an optimistic write. */
  patch(name: string, body: object): Promise<V1Node>;
  watch(
    name: string,
    resourceVersion: string | undefined,
    timeoutSeconds: number,
    onEvent: (type: WatchEventType, object: V1Node & { code?: number; message?: string }) => void,
  ): NodeWatchHandle;
}

/** The Node calls, and the one read of the lock DaemonSet that --require-lock-slot adds. */
export interface AgentClient extends NodeClient {
  /** The DaemonSet's annotations (get on daemonsets, that one name, in its namespace). */
  daemonSetAnnotations(namespace: string, name: string): Promise<Record<string, string>>;
}

const REQUEST_TIMEOUT_MS = 30_000;
const USER_AGENT = 'kreboot-agent';

export function createNodeClient(config: RestConfig): AgentClient {
  const https = config.server.protocol === 'https:';
  const agent = https
    ? new Agent({
        keepAlive: true,
        maxSockets: 4,
        ca: config.ca,
        cert: config.cert,
        key: config.key,
        rejectUnauthorized: !config.insecureSkipTlsVerify,
      })
    : undefined;
  const base = config.server.pathname.replace(/\/$/, '');

  const open = (
    method: string,
    path: string,
    headers: Record<string, string>,
    timeoutMs: number,
    body?: string,
    signal?: AbortSignal,
  ): Promise<IncomingMessage> =>
    new Promise((resolve, reject) => {
      const authorization = config.authorization();
      const options: RequestOptions = {
        method,
        host: config.server.hostname.replace(/^\[|\]$/g, ''),
        port: config.server.port || (https ? 443 : 80),
        path: `${base}${path}`,
        headers: {
          Accept: 'application/json',
          'User-Agent': USER_AGENT,
          ...(authorization ? { Authorization: authorization } : {}),
          ...headers,
        },
        agent,
        timeout: timeoutMs,
        signal,
      };
      const req = (https ? httpsRequest : httpRequest)(options, resolve);
      req.once('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
      req.once('error', reject);
      req.end(body);
    });

  const call = async (method: string, path: string, body?: object): Promise<V1Node> => {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> =
      text === undefined ? {} : { 'Content-Type': 'application/merge-patch+json', 'Content-Length': String(Buffer.byteLength(text)) };
    const res = await open(method, path, headers, REQUEST_TIMEOUT_MS, text);
    let answer = '';
    res.setEncoding('utf8');
    for await (const chunk of res) answer += chunk as string;
    if ((res.statusCode ?? 0) < 200 || (res.statusCode ?? 0) >= 300)
      throw new KubeHttpError(res.statusCode ?? 0, answer, `${method} ${path}`);
    return JSON.parse(answer) as V1Node;
  };

  const nodePath = (name: string) => `/api/v1/nodes/${encodeURIComponent(name)}`;

  return {
    get: (name) => call('GET', nodePath(name)),
    patch: (name, body) => call('PATCH', nodePath(name), body),
    async daemonSetAnnotations(namespace, name) {
      const path = `/apis/apps/v1/namespaces/${encodeURIComponent(namespace)}/daemonsets/${encodeURIComponent(name)}`;
      const object = (await call('GET', path)) as { metadata?: { annotations?: Record<string, string> } };
      return object.metadata?.annotations ?? {};
    },
    watch(name, resourceVersion, timeoutSeconds, onEvent) {
      const query = new URLSearchParams({
        watch: 'true',
        fieldSelector: `metadata.name=${name}`,
        allowWatchBookmarks: 'true',
        timeoutSeconds: String(timeoutSeconds),
      });
      if (resourceVersion) query.set('resourceVersion', resourceVersion);
      const controller = new AbortController();
      let aborted = false;
      // The socket may stay silent for the whole watch: time out only well after the server would.
      const idleMs = (timeoutSeconds + 30) * 1000;
      const ended = open('GET', `/api/v1/nodes?${query}`, {}, idleMs, undefined, controller.signal).then(
        async (response): Promise<Error | undefined> => {
          response.setEncoding('utf8');
          if (response.statusCode !== 200) {
            let answer = '';
            for await (const chunk of response) answer += chunk as string;
            return new KubeHttpError(response.statusCode ?? 0, answer, 'watch nodes');
          }
          let pending = '';
          try {
            for await (const chunk of response) {
              pending += chunk as string;
              let newline: number;
              while ((newline = pending.indexOf('\n')) !== -1) {
                const line = pending.slice(0, newline).trim();
                pending = pending.slice(newline + 1);
                if (line === '') continue;
                const event = JSON.parse(line) as { type: WatchEventType; object: V1Node & { code?: number; message?: string } };
                onEvent(event.type, event.object);
              }
            }
          } catch (error) {
            return aborted ? undefined : (error as Error);
          }
          return undefined;
        },
        (error: Error) => (aborted ? undefined : error),
      );
      return {
        ended,
        abort() {
          aborted = true;
          controller.abort();
        },
      };
    },
  };
}
