// Where the API server is and how to authenticate, without @kubernetes/client-node (whose import
// alone costs the agent ~80 MB of memory, see docs/agent.md): in-cluster service account, or a
// kubeconfig file with certificates, a token, a token file or basic auth. Exec and auth-provider
// plugins are not supported: the agent runs in-cluster, kubeconfig is for development and tests.

import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { load } from 'js-yaml';

export interface RestConfig {
  readonly server: URL;
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly insecureSkipTlsVerify: boolean;
  /** The Authorization header value, if any; re-read from a token file as it rotates. */
  authorization(): string | undefined;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Bound service-account tokens rotate: re-read the file this often (client-go does every minute). */
const TOKEN_REREAD_MS = 60_000;

type Env = Readonly<Record<string, string | undefined>>;
type Named<T> = { name?: string } & T;
interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Array<Named<{ context?: { cluster?: string; user?: string } }>>;
  clusters?: Array<Named<{ cluster?: Record<string, unknown> }>>;
  users?: Array<Named<{ user?: Record<string, unknown> }>>;
}

export function loadRestConfig(kubeconfigPath: string, env: Env): RestConfig {
  return kubeconfigPath === '' ? inCluster(env) : fromKubeconfig(kubeconfigPath);
}

function tokenFileAuth(path: string): () => string {
  let token = '';
  let readAt = -Infinity;
  return () => {
    if (Date.now() - readAt >= TOKEN_REREAD_MS) {
      token = readFileSync(path, 'utf8').trim();
      readAt = Date.now();
    }
    return `Bearer ${token}`;
  };
}

function inCluster(env: Env): RestConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('not running in a cluster (KUBERNETES_SERVICE_HOST/PORT unset) and no --kubeconfig given');
  const authorization = tokenFileAuth(`${SERVICE_ACCOUNT_DIR}/token`);
  authorization(); // fail now, clearly, if the token is missing
  return {
    server: new URL(`https://${host.includes(':') ? `[${host}]` : host}:${port}`),
    ca: readFileSync(`${SERVICE_ACCOUNT_DIR}/ca.crt`),
    insecureSkipTlsVerify: false,
    authorization,
  };
}

function fromKubeconfig(path: string): RestConfig {
  const file = (load(readFileSync(path, 'utf8')) ?? {}) as KubeconfigFile;
  const base = dirname(resolve(path));
  const contextName = file['current-context'];
  const context =
    file.contexts?.find((c) => c.name === contextName)?.context ?? (file.contexts?.length === 1 ? file.contexts[0]!.context : undefined);
  if (!context) throw new Error(`${path}: no current context`);
  const cluster = file.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster || typeof cluster.server !== 'string') throw new Error(`${path}: cluster "${context.cluster}" has no server`);
  const user = file.users?.find((u) => u.name === context.user)?.user ?? {};
  if (user.exec || user['auth-provider'])
    throw new Error(`${path}: exec and auth-provider credentials are not supported by the agent; use a token or client certificates`);
  const material = (dataKey: string, fileKey: string, from: Record<string, unknown>): Buffer | undefined => {
    if (typeof from[dataKey] === 'string') return Buffer.from(from[dataKey], 'base64');
    if (typeof from[fileKey] === 'string') return readFileSync(resolve(base, from[fileKey]));
    return undefined;
  };
  let authorization: () => string | undefined = () => undefined;
  if (typeof user.token === 'string') authorization = () => `Bearer ${user.token as string}`;
  else if (typeof user.tokenFile === 'string') authorization = tokenFileAuth(resolve(base, user.tokenFile));
  else if (typeof user.username === 'string') {
    const basic = `Basic ${Buffer.from(`${user.username}:${String(user.password ?? '')}`).toString('base64')}`;
    authorization = () => basic;
  }
  return {
    server: new URL(cluster.server),
    ca: material('certificate-authority-data', 'certificate-authority', cluster),
    cert: material('client-certificate-data', 'client-certificate', user),
    key: material('client-key-data', 'client-key', user),
    insecureSkipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    authorization,
  };
}
