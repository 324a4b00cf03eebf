// The agent's identity in the integration tests: a ServiceAccount granted exactly the ClusterRole
// rules docs/agent.md and ADR 0005 list (nodes: get, watch, patch), with a real TokenRequest token,
// so the tests prove that this RBAC is enough.

import type { Cluster } from '../cluster.ts';

export const AGENT_CLUSTER_ROLE_RULES = [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'watch', 'patch'] }];

export async function agentKubeconfig(cluster: Cluster): Promise<string> {
  const namespace = await cluster.newNamespace('kreboot-agent');
  await cluster.grant(namespace, 'kreboot-agent', AGENT_CLUSTER_ROLE_RULES, 'cluster');
  return cluster.serviceAccountKubeconfig(namespace, 'kreboot-agent', { expirationSeconds: 6 * 3600 });
}
