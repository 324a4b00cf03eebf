// --require-lock-slot: the agent runs a reboot job only while its node holds a kreboot slot in the
// reboot lock (the controller's lock annotation on the agent DaemonSet). For clusters without the
// admission policies, where any agent may write a reboot job on any Node: an agent has no RBAC to
// write the DaemonSet, so a job on a node the controller gave no slot was not the controller's.

import type { AgentClient } from '../../kube/node-client.ts';
import { parseLock } from '../../store/lock-record.ts';

export interface LockSlot {
  readonly namespace: string;
  readonly name: string;
  readonly annotation: string;
}

/** The nodes holding a kreboot slot now; undefined when the lock annotation is unreadable. */
export function lockHoldersReader(client: Pick<AgentClient, 'daemonSetAnnotations'>, slot: LockSlot): () => Promise<string[] | undefined> {
  return async () => {
    const annotations = await client.daemonSetAnnotations(slot.namespace, slot.name);
    const lock = parseLock(annotations[slot.annotation]);
    return lock?.holders.filter((holder) => holder.ours).map((holder) => holder.nodeID);
  };
}
