// Operator actions: pause, resume and "reboot this node". Pause and halt live on the lock
// DaemonSet (one record for the whole rollout); resume clears both and re-arms the nodes whose
// timeout halted the rollout, giving them a fresh --reboot-timeout instead of failing them again.

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { MERGE_PATCH, isConflict } from '../../kube/patch.ts';
import type { Notify } from '../../notify/event.ts';
import { CONTROLLER } from '../../store/keys.ts';
import type { ClusterView } from '../cluster/cluster-view.ts';
import { HALTED_ANNOTATION, PAUSED_ANNOTATION } from '../lock/rollout-record.ts';
import type { RolloutStore } from '../lock/rollout-store.ts';
import { observeNode } from '../policy/observed-node.ts';
import type { NodeProgress } from '../policy/progress.ts';
import type { RequestStore } from '../request-store.ts';

export interface Control {
  pause(reason: string, by: string): Promise<void>;
  resume(by: string): Promise<{ rearmed: string[] }>;
  reboot(node: string, reason: string, by: string): Promise<'accepted' | 'unknown-node'>;
}

export function createControl(deps: { kc: KubeConfig; view: ClusterView; rollout: RolloutStore; requests: RequestStore; notify: Notify; clock: () => Date; wake: (reason: string) => void }): Control {
  const core = deps.kc.makeApiClient(CoreV1Api);
  return {
    async pause(reason, by) {
      const record = JSON.stringify({ at: deps.clock().toISOString(), reason, by });
      await deps.rollout.update(() => ({ changes: { [PAUSED_ANNOTATION]: record }, result: undefined }));
    },

    async resume(by) {
      const wasHeld = await deps.rollout.update((record) => {
        const held = record.paused !== undefined || record.halted !== undefined;
        return held ? { changes: { [PAUSED_ANNOTATION]: null, [HALTED_ANNOTATION]: null }, result: true } : { result: false };
      });
      const rearmed: string[] = [];
      const now = deps.clock();
      for (const node of deps.view.nodes()) {
        const observed = observeNode(node);
        const progress = observed.progress;
        if (progress?.phase !== 'failed' || !progress.haltedRollout) continue;
        const back = observed.bootId !== undefined && observed.bootId !== progress.bootIdBefore;
        const { final: _final, haltedRollout: _halted, retryAt: _retry, ...kept } = progress;
        const next: NodeProgress = { ...kept, phase: back ? 'verifying' : 'rebooting', since: now.toISOString(), reason: `resumed by ${by}; waiting again for the node to come back` };
        try {
          await core.patchNode({ name: observed.name, body: { metadata: { resourceVersion: node.metadata?.resourceVersion, annotations: { [CONTROLLER.state]: JSON.stringify(next) } } } }, MERGE_PATCH);
          rearmed.push(observed.name);
        } catch (error) {
          if (!isConflict(error)) throw error;
        }
      }
      if (wasHeld || rearmed.length > 0) deps.notify({ kind: 'resumed', node: rearmed.join(', '), reason: `resumed by ${by}` });
      deps.wake('resumed');
      return { rearmed };
    },

    async reboot(node, reason, by) {
      const result = await deps.requests.requestByOperator(node, by, reason);
      deps.wake(`operator request for ${node}`);
      return result;
    },
  };
}
