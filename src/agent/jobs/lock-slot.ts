// --require-lock-slot: the agent runs a reboot job only while its node holds a kreboot slot in the
// reboot lock (the controller's lock annotation on the agent DaemonSet). For clusters without the
// admission policies, where any agent may write a reboot job on any Node: an agent has no RBAC to
// write the DaemonSet, so a job on a node the controller gave no slot was not the controller's.

import type { AgentClient } from '../../kube/node-client.ts';
import { parseLock } from '../../store/lock-record.ts';
import { poolLockAnnotation } from '../../config/pools-file.ts';

export interface LockSlot {
  readonly namespace: string;
  readonly name: string;
  readonly annotation: string;
}

/**
 * The nodes holding a kreboot slot now; undefined when the lock annotation is unreadable. A job of
 * a pool (docs/pools.md) is checked against that pool's lock on the same DaemonSet.
 */
export function lockHoldersReader(
  client: Pick<AgentClient, 'daemonSetAnnotations'>,
  slot: LockSlot,
): (pool?: string) => Promise<string[] | undefined> {
  return async (pool) => {
    const annotations = await client.daemonSetAnnotations(slot.namespace, slot.name);
    const lock = parseLock(annotations[pool ? poolLockAnnotation(pool) : slot.annotation]);
    return lock?.holders.filter((holder) => holder.ours).map((holder) => holder.nodeID);
  };
}
