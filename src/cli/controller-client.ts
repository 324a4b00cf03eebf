// How the operator commands reach the controller (docs/adr/0017):
// - by default through the Kubernetes API server's service proxy, with nothing but the user's
//   kubeconfig (what `kubectl kreboot` does): the API server authenticates the user and checks
//   that RBAC lets them reach the Service (services/proxy); it then drops the Authorization header,
//   so the user's bearer token also travels in X-Kreboot-Authorization, for the controller's
//   TokenReview and SubjectAccessReview;
// - with --server, straight to a URL (a port-forward, or from inside the cluster), with the token
//   of --token-file (the admin token, or a Kubernetes token such as a ServiceAccount's).

import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import { delimiter } from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import { KubeConfig } from '@kubernetes/client-node';
import { USER_TOKEN_HEADER } from '../auth/operator-auth.ts';

export interface ControllerClient {
  readonly http: AxiosInstance;
  /** Where the controller is, for messages. */
  readonly where: string;
  /** A token goes with operator actions; without one the controller cannot name the caller. */
  readonly hasToken: boolean;
  /** Why there is no token, for the refusal the CLI prints before asking. */
  readonly noTokenHint: string;
}

export interface ClientOptions {
  readonly server: string;
  readonly tokenFile: string;
  readonly kubeconfig: string;
  readonly context: string;
  readonly namespace: string;
  readonly service: string;
}

function readToken(tokenFile: string, problems: string[]): string | undefined {
  if (tokenFile === '') return undefined;
  try {
    return readFileSync(tokenFile, 'utf8').trim() || undefined;
  } catch (error) {
    problems.push(`--token-file: cannot read ${tokenFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
}

const base = { timeout: 10_000, validateStatus: () => true } as const;

function direct(options: ClientOptions, token: string | undefined, problems: string[]): ControllerClient | undefined {
  try {
    new URL(options.server);
  } catch {
    problems.push(`--server: "${options.server}" is not a URL`);
    return undefined;
  }
  return {
    http: axios.create({ ...base, baseURL: options.server, headers: token ? { authorization: `Bearer ${token}` } : {} }),
    where: options.server,
    hasToken: token !== undefined,
    noTokenHint: 'give --token-file (the admin token, or a Kubernetes token whose user RBAC allows the action)',
  };
}

function loadKubeconfig(options: ClientOptions, problems: string[]): KubeConfig | undefined {
  const kc = new KubeConfig();
  try {
    // $KUBECONFIG may list several files; the client library merges them as kubectl does.
    if (options.kubeconfig === '' || options.kubeconfig.includes(delimiter)) kc.loadFromDefault();
    else kc.loadFromFile(options.kubeconfig);
  } catch (error) {
    problems.push(`--kubeconfig: cannot load ${options.kubeconfig || 'the kubeconfig'} (${(error as Error).message})`);
    return undefined;
  }
  if (options.context !== '') {
    if (!kc.getContextObject(options.context)) {
      problems.push(`--context: no context "${options.context}" in the kubeconfig`);
      return undefined;
    }
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) {
    problems.push('--kubeconfig: no current context with a cluster (set one, or give --context or --server)');
    return undefined;
  }
  return kc;
}

async function throughApiServer(
  options: ClientOptions,
  fileToken: string | undefined,
  problems: string[],
): Promise<ControllerClient | undefined> {
  const [name, port = 'http', ...extra] = options.service.split(':');
  if (!name || extra.length > 0) {
    problems.push(`--service: "${options.service}" is not NAME or NAME:PORT`);
    return undefined;
  }
  const kc = loadKubeconfig(options, problems);
  if (!kc) return undefined;
  const cluster = kc.getCurrentCluster()!;
  // The same TLS settings and credentials kubectl would use: CA, client certificate, token, or an
  // exec plugin's token (cloud providers' kubeconfigs).
  const tls: RequestOptions = {};
  try {
    await kc.applyToHTTPSOptions(tls);
  } catch (error) {
    problems.push(
      `--kubeconfig: cannot get credentials for ${kc.getCurrentUser()?.name ?? 'the current user'} (${(error as Error).message})`,
    );
    return undefined;
  }
  const headers = { ...(tls.headers as Record<string, string> | undefined) };
  const kubeToken = /^bearer\s+(\S+)$/i.exec(headers.Authorization ?? headers.authorization ?? '')?.[1];
  const token = fileToken ?? kubeToken;
  if (token) headers[USER_TOKEN_HEADER] = `Bearer ${token}`;
  const path = `/api/v1/namespaces/${encodeURIComponent(options.namespace)}/services/http:${encodeURIComponent(name)}:${encodeURIComponent(port)}/proxy`;
  const agent = new HttpsAgent({
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
    ...(tls.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
  });
  return {
    http: axios.create({ ...base, baseURL: `${cluster.server.replace(/\/$/, '')}${path}`, httpsAgent: agent, headers }),
    where: `service ${options.namespace}/${name}:${port} through ${cluster.server}`,
    hasToken: token !== undefined,
    noTokenHint:
      `your kubeconfig's user "${kc.getCurrentUser()?.name ?? ''}" signs in with a client certificate, and the API server passes no ` +
      "certificate on to kreboot: use a kubeconfig with a token (OIDC, a cloud provider's exec plugin, `kubectl create token`), " +
      'or --token-file, or run kreboot inside the controller pod (kubectl exec, docs/operator-view.md)',
  };
}

export async function connect(options: ClientOptions, problems: string[]): Promise<ControllerClient | undefined> {
  const token = readToken(options.tokenFile, problems);
  return options.server !== '' ? direct(options, token, problems) : throughApiServer(options, token, problems);
}
