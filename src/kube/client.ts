// Builds the Kubernetes client configuration both roles use: the --kubeconfig file when given,
// otherwise the pod's in-cluster service account.

import { KubeConfig } from '@kubernetes/client-node';

export function loadKubeConfig(kubeconfigPath: string): KubeConfig {
  const kc = new KubeConfig();
  if (kubeconfigPath === '') kc.loadFromCluster();
  else kc.loadFromFile(kubeconfigPath);
  return kc;
}
