// The agent's identity in the integration tests: a ServiceAccount bound to exactly the ClusterRole
// docs/agent.md documents (nodes: get, watch, patch), and a kubeconfig with a real token for it, so
// the tests prove that this RBAC is enough.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoreV1Api, RbacAuthorizationV1Api, type KubeConfig } from '@kubernetes/client-node';

export const AGENT_CLUSTER_ROLE_RULES = [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'watch', 'patch'] }];

export async function agentKubeconfig(cluster: { kc: KubeConfig }, dir: string): Promise<string> {
  const { kc } = cluster;
  const core = kc.makeApiClient(CoreV1Api);
  const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
  const suffix = Date.now().toString(36);
  const namespace = `kreboot-agent-${suffix}`;
  const name = 'kreboot-agent';
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  await rbac.createClusterRole({ body: { metadata: { name: `${name}-${suffix}` }, rules: AGENT_CLUSTER_ROLE_RULES } });
  await rbac.createClusterRoleBinding({
    body: {
      metadata: { name: `${name}-${suffix}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `${name}-${suffix}` },
      subjects: [{ kind: 'ServiceAccount', name, namespace }],
    },
  });
  const request = await core.createNamespacedServiceAccountToken({ name, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 * 6 } } });
  const token = request.status?.token;
  if (!token) throw new Error('no token issued for the agent ServiceAccount');
  const current = kc.getCurrentCluster();
  if (!current) throw new Error('the admin kubeconfig has no cluster');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: current.server, 'certificate-authority-data': current.caData } }],
    users: [{ name, user: { token } }],
    contexts: [{ name, context: { cluster: 'test', user: name } }],
    'current-context': name,
  };
  const path = join(dir, 'agent.kubeconfig');
  writeFileSync(path, JSON.stringify(config), { mode: 0o600 });
  return path;
}
