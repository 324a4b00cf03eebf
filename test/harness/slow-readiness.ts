// Pods that turn Ready only when the test says so, like a readiness probe that passes late: a pod
// labelled kreboot.dev/test-readiness=manual is run by KWOK but left not Ready
// (test/cluster/kwok/stages.yaml, stage pod-running-unready) until `markReady` sets its Ready
// condition through the status subresource, as a kubelet would.

import type { CoreV1Api } from '@kubernetes/client-node';
import { MERGE_PATCH } from '../../src/kube/patch.ts';

export const MANUAL_READINESS = { 'kreboot.dev/test-readiness': 'manual' } as const;

const selectorOf = (labels: Record<string, string>) =>
  Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',');

/** Marks every running, not-Ready pod matching `labels` Ready; returns their names. */
export async function markReady(core: CoreV1Api, namespace: string, labels: Record<string, string>): Promise<string[]> {
  const pods = await core.listNamespacedPod({ namespace, labelSelector: selectorOf(labels) });
  const marked: string[] = [];
  for (const pod of pods.items) {
    if (pod.metadata?.deletionTimestamp || pod.status?.phase !== 'Running') continue;
    if (pod.status.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True')) continue;
    const now = new Date();
    await core.patchNamespacedPodStatus(
      {
        namespace,
        name: pod.metadata!.name!,
        body: {
          status: {
            conditions: ['Initialized', 'Ready', 'ContainersReady', 'PodScheduled'].map((type) => ({
              type,
              status: 'True',
              lastTransitionTime: now,
            })),
          },
        },
      },
      MERGE_PATCH,
    );
    marked.push(pod.metadata!.name!);
  }
  return marked;
}

/** The running pods matching `labels`: how many, and how many are Ready. */
export async function readiness(
  core: CoreV1Api,
  namespace: string,
  labels: Record<string, string>,
): Promise<{ running: number; ready: number }> {
  const pods = (await core.listNamespacedPod({ namespace, labelSelector: selectorOf(labels) })).items.filter(
    (pod) => !pod.metadata?.deletionTimestamp && pod.status?.phase === 'Running',
  );
  const ready = pods.filter((pod) =>
    pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True'),
  );
  return { running: pods.length, ready: ready.length };
}
