// The workload the real nodes carry during a rollout: a Deployment of real containers (a small HTTP
// server in the kreboot image, which every node already holds) with a readiness probe, a preStop
// hook and a termination grace period, spread over the nodes and guarded by a PodDisruptionBudget;
// and a bare pod, which a drain deletes (nothing recreates it). Beside them a Deployment with one
// replica per node at most (required anti-affinity) and no budget: its replica evicted from a node
// can run again only once that node is back, which is what the workload gate waits for before the
// next node starts (kured #76: without it, the next drain takes the other replica while the first
// one is still starting).

import { AppsV1Api, CoreV1Api, PolicyV1Api, type KubeConfig, type V1Deployment, type V1Pod } from '@kubernetes/client-node';

export const WORKLOAD = { app: 'web', replicas: 2, minAvailable: 1, gracePeriodSeconds: 20, preStopSeconds: 3 } as const;
export const PINNED = { app: 'pinned', replicas: 2 } as const;

// Serves until SIGTERM, then closes its listener and exits: what a well-behaved service does when
// the kubelet stops it (after the preStop hook).
const SERVER = `
const server = require('node:http').createServer((_, res) => res.end('ok')).listen(8080);
process.on('SIGTERM', () => { console.log('SIGTERM: closing'); server.close(() => process.exit(0)); });
console.log('serving on 8080');
`;

function podSpec(image: string, extra: Partial<V1Pod['spec']> = {}): NonNullable<V1Pod['spec']> {
  return {
    terminationGracePeriodSeconds: WORKLOAD.gracePeriodSeconds,
    containers: [
      {
        name: 'web',
        image,
        imagePullPolicy: 'IfNotPresent',
        command: ['node', '-e', SERVER],
        ports: [{ containerPort: 8080, name: 'http' }],
        // Ready at the first answer; unready only after 30 s of failed probes: under emulation a
        // loaded node can take seconds to answer, and a flapping probe is not what this measures.
        readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 2, timeoutSeconds: 10, failureThreshold: 15 },
        lifecycle: { preStop: { exec: { command: ['sleep', String(WORKLOAD.preStopSeconds)] } } },
        resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { memory: '96Mi' } },
        securityContext: { runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true },
      },
    ],
    ...extra,
  };
}

function deployment(namespace: string, image: string): V1Deployment {
  const labels = { app: WORKLOAD.app };
  return {
    metadata: { name: WORKLOAD.app, namespace, labels },
    spec: {
      replicas: WORKLOAD.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: podSpec(image, {
          // One replica per node while both are schedulable; a cordoned node must not make the
          // replacement unschedulable, so the skew is a preference.
          topologySpreadConstraints: [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'ScheduleAnyway',
              labelSelector: { matchLabels: labels },
            },
          ],
        }),
      },
    },
  };
}

/** One replica per node at most: an evicted replica waits, Pending, for its node to come back. */
function pinnedDeployment(namespace: string, image: string): V1Deployment {
  const labels = { app: PINNED.app };
  return {
    metadata: { name: PINNED.app, namespace, labels },
    spec: {
      replicas: PINNED.replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: podSpec(image, {
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [
                { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } },
              ],
            },
          },
        }),
      },
    },
  };
}

/** Creates the namespace, the Deployments, the budget and a bare pod on `bareOn`. */
export async function createWorkload(kc: KubeConfig, namespace: string, image: string, bareOn: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace, body: deployment(namespace, image) });
  await kc.makeApiClient(AppsV1Api).createNamespacedDeployment({ namespace, body: pinnedDeployment(namespace, image) });
  await kc.makeApiClient(PolicyV1Api).createNamespacedPodDisruptionBudget({
    namespace,
    body: {
      metadata: { name: WORKLOAD.app, namespace },
      spec: { minAvailable: WORKLOAD.minAvailable, selector: { matchLabels: { app: WORKLOAD.app } } },
    },
  });
  await core.createNamespacedPod({
    namespace,
    body: { metadata: { name: 'debug-shell', namespace, labels: { app: 'debug-shell' } }, spec: podSpec(image, { nodeName: bareOn }) },
  });
}
