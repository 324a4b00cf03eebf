// Keeps the controller's API connections open between calls. @kubernetes/client-node (2.x) builds a
// new undici Agent for every request (KubeConfig.applySecurityAuthentication → createDispatcher),
// so every call opened its own TCP and TLS connection and closed it: a patch night's 5,000 request
// writes were 5,000 TLS handshakes on each side, on the API server's CPU as on ours (issue 25).
// Here the dispatcher is kept per connection settings (server, TLS material, proxy) and reused;
// new settings (a rotated client certificate re-read from its file) get a new one.

import { createHash } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';

interface Closable {
  close(): Promise<void>;
}

type CreateDispatcher = (cluster: unknown, agentOptions: Record<string, unknown>) => Closable | undefined;

/** Connection settings kept at once: one, unless the kubeconfig's TLS material changes. */
const KEPT = 4;

export function reuseConnections(kc: KubeConfig): KubeConfig {
  // A private method of the library's: checked at run time, so a release without it just
  // leaves the library's own behaviour.
  const target = kc as unknown as { createDispatcher?: CreateDispatcher };
  const create = target.createDispatcher;
  if (typeof create !== 'function') return kc;
  const kept = new Map<string, Closable | undefined>();
  target.createDispatcher = function (cluster, agentOptions) {
    const key = settingsKey(cluster, agentOptions);
    if (kept.has(key)) return kept.get(key);
    const dispatcher = create.call(this, cluster, agentOptions);
    if (kept.size >= KEPT) {
      const [oldest, old] = kept.entries().next().value!;
      kept.delete(oldest);
      void old?.close().catch(() => undefined);
    }
    kept.set(key, dispatcher);
    return dispatcher;
  };
  return kc;
}

function settingsKey(cluster: unknown, agentOptions: Record<string, unknown>): string {
  const hash = createHash('sha256');
  const { server, proxyUrl, skipTLSVerify, tlsServerName } = (cluster ?? {}) as Record<string, unknown>;
  hash.update(JSON.stringify([server, proxyUrl, skipTLSVerify, tlsServerName]));
  for (const name of ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername']) {
    const value = agentOptions[name];
    hash.update(`\0${name}=`);
    if (Buffer.isBuffer(value)) hash.update(value);
    else if (value !== undefined) hash.update(JSON.stringify(value));
  }
  return hash.digest('base64');
}
