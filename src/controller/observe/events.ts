// Kubernetes Events on the Node for the steps of a reboot and every block reason, so `kubectl
// describe node` answers "why is this node not rebooting?" (which steps: observe/transitions.ts,
// ADR 0026). Recording never blocks or fails the rollout.

import type { V1Node } from '@kubernetes/client-node';
import type { ClusterApi } from '../cluster-api.ts';
import type { Logger } from '../../log/logger.ts';
import type { Phase } from '../../store/node-progress.ts';

export interface EventRecorder {
  record(node: V1Node, phase: Phase, message: string, warning?: boolean): void;
}

const REASONS: Record<Phase, string> = {
  queued: 'RebootQueued',
  waiting: 'RebootBlocked',
  cordoned: 'Cordoned',
  draining: 'Draining',
  rebooting: 'Rebooting',
  verifying: 'Verifying',
  done: 'Rebooted',
  failed: 'RebootFailed',
};

/** Node events live in "default", where kubelets put theirs and where kubectl looks. */
const NODE_EVENT_NAMESPACE = 'default';

export function createEventRecorder(
  api: ClusterApi,
  log: Logger,
  clock: () => Date = () => new Date(),
  component = 'kreboot-controller',
): EventRecorder {
  return {
    record(node, phase, message, warning = false) {
      const name = node.metadata?.name ?? '';
      const now = clock();
      api
        .createEvent(NODE_EVENT_NAMESPACE, {
          metadata: { generateName: `${name}.kreboot.`, namespace: NODE_EVENT_NAMESPACE },
          involvedObject: { apiVersion: 'v1', kind: 'Node', name, uid: node.metadata?.uid },
          reason: REASONS[phase],
          message: message.slice(0, 1000),
          type: warning || phase === 'failed' ? 'Warning' : 'Normal',
          source: { component },
          reportingComponent: component,
          reportingInstance: component,
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        })
        .catch((error: unknown) => log.warn({ err: error, node: name, phase }, 'could not record event'));
    },
  };
}
