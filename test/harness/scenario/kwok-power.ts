// Power for KWOK nodes: how a simulated host "goes down" and "comes back" as the API sees it.
// KWOK's node-initialize stage rewrites every condition to Ready=True as soon as a node it manages
// is anything else (measured: a Ready=False status patch is reverted within one poll), so a node
// going down first leaves KWOK's management — its kwok.x-k8s.io/node annotation gets another
// value — and then gets Ready=False through the status subresource, as a silent kubelet would
// (the node lifecycle controller adds its not-ready taint). Coming back restores the annotation:
// KWOK re-initialises the node, Ready=True within ~25 ms here, and its lease heartbeats resume.
//
// What real nodes showed (test/real/, docs/e2e.md "Real nodes") and this models: the kubelet's
// graceful node shutdown marks the node NotReady within a second or two, then terminates every pod
// still on it (DaemonSet pods, and bare pods a drain did not remove) and leaves them Failed with
// reason Terminated — they are not restarted after the boot: the DaemonSet controller replaces its
// pods with new ones, a bare pod stays as it is. The kubelet reports the new boot ID
// (status.nodeInfo.bootID) as soon as it starts, a moment before the node is Ready again.

import type { CoreV1Api } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { KWOK_NODE_ANNOTATION } from '../control-plane.ts';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const STRATEGIC = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);

export async function powerOff(core: CoreV1Api, name: string): Promise<void> {
  await core.patchNode({ name, body: { metadata: { annotations: { [KWOK_NODE_ANNOTATION.key]: 'powered-off' } } } }, MERGE);
  const now = new Date();
  await core.patchNodeStatus(
    {
      name,
      body: {
        status: {
          conditions: [
            {
              type: 'Ready',
              status: 'False',
              reason: 'KubeletNotReady',
              message: 'simulated reboot: host is down',
              lastHeartbeatTime: now,
              lastTransitionTime: now,
            },
          ],
        },
      },
    },
    STRATEGIC,
  );
  await terminatePods(core, name, now);
}

/** What the kubelet's graceful node shutdown leaves on the pods it stopped (pkg/kubelet/nodeshutdown). */
const SHUTDOWN_REASON = 'Terminated';
const SHUTDOWN_MESSAGE = 'Pod was terminated in response to imminent node shutdown.';

async function terminatePods(core: CoreV1Api, name: string, now: Date): Promise<void> {
  const pods = await core.listPodForAllNamespaces({ fieldSelector: `spec.nodeName=${name}` });
  for (const pod of pods.items) {
    const { namespace, name: podName, deletionTimestamp } = pod.metadata ?? {};
    if (!namespace || !podName || deletionTimestamp || pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') continue;
    await core
      .patchNamespacedPodStatus(
        {
          name: podName,
          namespace,
          body: {
            status: {
              phase: 'Failed',
              reason: SHUTDOWN_REASON,
              message: SHUTDOWN_MESSAGE,
              conditions: [
                {
                  type: 'DisruptionTarget',
                  status: 'True',
                  reason: 'TerminationByKubelet',
                  message: SHUTDOWN_MESSAGE,
                  lastTransitionTime: now,
                },
                { type: 'Ready', status: 'False', reason: 'PodFailed', lastTransitionTime: now },
                { type: 'ContainersReady', status: 'False', reason: 'PodFailed', lastTransitionTime: now },
              ],
            },
          },
        },
        STRATEGIC,
      )
      // A pod deleted meanwhile (a drain's last eviction) needs nothing.
      .catch((error: { code?: number }) => {
        if (error.code !== 404) throw error;
      });
  }
}

/** Back from a reboot: the new boot ID first (as the kubelet reports it), then KWOK takes the node again and makes it Ready. */
export async function powerOn(core: CoreV1Api, name: string, bootId: string): Promise<void> {
  await core.patchNodeStatus({ name, body: { status: { nodeInfo: { bootID: bootId } } } }, STRATEGIC);
  await core.patchNode({ name, body: { metadata: { annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value } } } }, MERGE);
}

export async function isReady(core: CoreV1Api, name: string): Promise<boolean> {
  const node = await core.readNode({ name });
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}
