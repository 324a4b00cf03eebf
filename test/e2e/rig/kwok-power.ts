// Power for KWOK nodes: how a simulated host "goes down" and "comes back" as the API sees it.
// KWOK's node-initialize stage rewrites every condition to Ready=True as soon as a node it manages
// is anything else (measured: a Ready=False status patch is reverted within one poll), so a node
// going down first leaves KWOK's management — its kwok.x-k8s.io/node annotation gets another
// value — and then gets Ready=False through the status subresource, as a silent kubelet would
// (the node lifecycle controller adds its not-ready taint). Coming back restores the annotation:
// KWOK re-initialises the node, Ready=True within ~25 ms here, and its lease heartbeats resume.

import type { CoreV1Api } from '@kubernetes/client-node';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { KWOK_NODE_ANNOTATION } from '../../harness/control-plane.ts';

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
}

export async function powerOn(core: CoreV1Api, name: string): Promise<void> {
  await core.patchNode({ name, body: { metadata: { annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value } } } }, MERGE);
}

export async function isReady(core: CoreV1Api, name: string): Promise<boolean> {
  const node = await core.readNode({ name });
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}
