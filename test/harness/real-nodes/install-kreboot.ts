// kreboot installed on the real nodes as a user installs it: `helm install` of deploy/helm/kreboot
// with the chart's defaults (the node trigger: no Prometheus needed), or the kustomize base with its
// credentials Secret (docs/deploy.md); and waiting until both roles run on every node.

import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { waitFor } from '../wait-for.ts';
import { helm, kubectl, ROOT, run } from '../packaging/cli-tools.ts';

export const KREBOOT_NAMESPACE = 'kreboot';
const RELEASE = 'kreboot';
export const CONTROLLER_SELECTOR = 'app.kubernetes.io/name=kreboot,app.kubernetes.io/component=controller';
const AGENT_SELECTOR = 'app.kubernetes.io/name=kreboot,app.kubernetes.io/component=agent';

export function checked(what: string, result: { code: number; stdout: string; stderr: string }): string {
  if (result.code !== 0) throw new Error(`${what} failed (${result.code}): ${result.stderr || result.stdout}`);
  return result.stdout;
}

/**
 * `helm install` of the chart with its defaults (the node trigger: no Prometheus needed), then waits
 * until both roles run on every node and each agent has published its host's boot ID.
 */
export async function installWithHelm(kubeconfigPath: string, nodes: readonly string[], extraArgs: readonly string[] = []): Promise<void> {
  checked(
    'helm install',
    run(helm(), [
      'install',
      RELEASE,
      `${ROOT}/deploy/helm/kreboot`,
      '--kubeconfig',
      kubeconfigPath,
      '--namespace',
      KREBOOT_NAMESPACE,
      '--create-namespace',
      ...extraArgs,
    ]),
  );
  await waitForKreboot(kubeconfigPath, nodes);
}

/** `helm uninstall`, then the namespace too: the chart keeps its credentials Secret across uninstalls (helm.sh/resource-policy: keep). */
export function uninstallHelm(kubeconfigPath: string): void {
  checked(
    'helm uninstall',
    run(helm(), ['uninstall', RELEASE, '--kubeconfig', kubeconfigPath, '--namespace', KREBOOT_NAMESPACE, '--wait', '--timeout', '300s']),
  );
  checked(
    'delete the namespace',
    run(kubectl(), ['--kubeconfig', kubeconfigPath, 'delete', 'namespace', KREBOOT_NAMESPACE, '--wait=true', '--timeout=300s']),
  );
}

/** Both roles are up: the controller's replicas Ready, an agent Ready on every node, each agent's first report written. */
export async function waitForKreboot(kubeconfigPath: string, nodes: readonly string[], timeoutMs = 600_000): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const core = kc.makeApiClient(CoreV1Api);
  const apps = kc.makeApiClient(AppsV1Api);
  await waitFor(
    async () => {
      const controllers = await apps.listNamespacedDeployment({ namespace: KREBOOT_NAMESPACE, labelSelector: CONTROLLER_SELECTOR });
      const agents = await apps.listNamespacedDaemonSet({ namespace: KREBOOT_NAMESPACE, labelSelector: AGENT_SELECTOR });
      const controller = controllers.items[0];
      const agent = agents.items[0];
      return (
        controller !== undefined &&
        agent !== undefined &&
        (controller.status?.readyReplicas ?? 0) >= (controller.spec?.replicas ?? 1) &&
        (agent.status?.numberReady ?? 0) >= nodes.length
      );
    },
    { timeoutMs, intervalMs: 2_000, what: "kreboot's controller replicas and an agent on every node Ready" },
  );
  await waitFor(
    async () => {
      for (const name of nodes) {
        const node = await core.readNode({ name });
        if (node.metadata?.annotations?.['kreboot.dev/boot-id'] !== node.status?.nodeInfo?.bootID) return false;
      }
      return true;
    },
    { timeoutMs: 120_000, intervalMs: 1_000, what: "each agent's report of its host's boot ID" },
  );
}

/** The kustomize base, as docs/deploy.md applies it: the credentials Secret first, the image imported already. */
export async function installWithKustomize(kubeconfigPath: string, nodes: readonly string[]): Promise<void> {
  const kubectlArgs = ['--kubeconfig', kubeconfigPath];
  const manifests = checked('kubectl kustomize', run(kubectl(), ['kustomize', `${ROOT}/deploy/base`]));
  checked('create the namespace', run(kubectl(), [...kubectlArgs, 'apply', '-f', `${ROOT}/deploy/base/namespace.yaml`]));
  checked(
    'create the credentials Secret',
    run(kubectl(), [
      ...kubectlArgs,
      '-n',
      KREBOOT_NAMESPACE,
      'create',
      'secret',
      'generic',
      'kreboot-controller',
      `--from-literal=webhook-token=${randomHex()}`,
      `--from-literal=admin-token=${randomHex()}`,
    ]),
  );
  checked('kubectl apply', run(kubectl(), [...kubectlArgs, 'apply', '-f', '-'], manifests));
  await waitForKreboot(kubeconfigPath, nodes);
}

export function deleteKustomize(kubeconfigPath: string): void {
  const manifests = checked('kubectl kustomize', run(kubectl(), ['kustomize', `${ROOT}/deploy/base`]));
  checked(
    'kubectl delete',
    run(kubectl(), ['--kubeconfig', kubeconfigPath, 'delete', '--ignore-not-found', '--wait=true', '--timeout=300s', '-f', '-'], manifests),
  );
}

function randomHex(): string {
  return [...crypto.getRandomValues(new Uint8Array(32))].map((b) => b.toString(16).padStart(2, '0')).join('');
}
