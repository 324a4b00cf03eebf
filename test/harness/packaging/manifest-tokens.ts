// Real identities for the packaging tests: TokenRequest tokens of the manifests' ServiceAccounts,
// bound to a pod on a (KWOK) node so the token carries that node's name, as in a cluster.

import { writeFileSync } from 'node:fs';
import { ApiException, CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';

export interface Identity {
  readonly kc: KubeConfig;
  /** A kubeconfig file with the token, for processes under test. */
  readonly kubeconfigPath: string;
  readonly token: string;
}

/** A pod of `serviceAccount` pinned to `node` (nodeName skips the scheduler; KWOK runs it). */
export async function createPinnedPod(
  admin: KubeConfig,
  namespace: string,
  name: string,
  serviceAccount: string,
  node: string,
): Promise<V1Pod> {
  const core = admin.makeApiClient(CoreV1Api);
  return core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, namespace, labels: { 'kreboot.dev/test': 'packaging' } },
      spec: {
        serviceAccountName: serviceAccount,
        nodeName: node,
        tolerations: [{ operator: 'Exists' }],
        containers: [{ name: 'probe', image: 'registry.invalid/probe:never-pulled' }],
      },
    },
  });
}

/** A token of `serviceAccount`, bound to `pod` when given (so it names the pod's node). */
export async function serviceAccountIdentity(
  admin: KubeConfig,
  namespace: string,
  serviceAccount: string,
  kubeconfigPath: string,
  pod?: V1Pod,
): Promise<Identity> {
  const core = admin.makeApiClient(CoreV1Api);
  const request = await core.createNamespacedServiceAccountToken({
    namespace,
    name: serviceAccount,
    body: {
      spec: {
        audiences: [],
        expirationSeconds: 3600,
        ...(pod ? { boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name, uid: pod.metadata?.uid } } : {}),
      },
    },
  });
  const token = request.status?.token ?? '';
  const cluster = admin.getCurrentCluster();
  if (!cluster || !token) throw new Error(`no token for ${namespace}/${serviceAccount}`);
  const user = `${namespace}-${serviceAccount}`;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'kreboot-test',
        server: cluster.server,
        caData: cluster.caData,
        caFile: cluster.caFile,
        skipTLSVerify: cluster.skipTLSVerify,
      },
    ],
    users: [{ name: user, token }],
    contexts: [{ name: user, cluster: 'kreboot-test', user }],
    currentContext: user,
  });
  writeFileSync(kubeconfigPath, kc.exportConfig(), { mode: 0o600 });
  return { kc, kubeconfigPath, token };
}

export interface Outcome {
  readonly status: number;
  readonly message: string;
}

/** Runs an API call and reports its HTTP status and the API server's message, never throwing. */
export async function attempt(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    await call();
    return { status: 200, message: '' };
  } catch (error) {
    if (error instanceof ApiException) {
      let message = String(error.body);
      try {
        message = (JSON.parse(String(error.body)) as { message?: string }).message ?? message;
      } catch {
        // not JSON: keep the raw body
      }
      return { status: error.code, message };
    }
    throw error;
  }
}
