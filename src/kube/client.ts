// Builds the Kubernetes client configuration both roles use: the --kubeconfig file when given,
// otherwise the pod's in-cluster service account. Its API connections are kept open between calls
// (reuse-connections.ts).

import { KubeConfig } from '@kubernetes/client-node';
import { reuseConnections } from './reuse-connections.ts';

export function loadKubeConfig(kubeconfigPath: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath === '') kc.loadFromCluster();
  else kc.loadFromFile(kubeconfigPath);
  return reuseConnections(kc);
}
