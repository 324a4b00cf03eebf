// The rollout-wide hold, a policy verdict (not a Gate: it asks nothing of the world, it reads the
// rollout record): before any node may start, the lock must be readable and free of foreign holders
// (kured's manual pause), and the rollout neither paused nor halted (the halt is derived from the
// nodes' records by the planning step) nor waiting on a node being recovered. Checked first and
// without I/O (the DaemonSet is watched), so a held rollout costs no Prometheus query.

import { blocked, type Verdict } from '../../gates/gate.ts';
import type { HaltRecord, RolloutRecord } from '../../store/rollout-record.ts';
import { foreignHolders, type SlotSettings } from '../lock/slots.ts';

export function rolloutHold(
  record: RolloutRecord | undefined,
  halt: HaltRecord | undefined,
  daemonSetExists: boolean,
  settings: SlotSettings & { lockAnnotation: string },
  now: Date,
  recovering?: HaltRecord,
): Verdict | undefined {
  if (!daemonSetExists || !record) return blocked('lock', 'the lock DaemonSet (--ds-namespace/--ds-name) does not exist or cannot be read');
  if (!record.lock) return blocked('lock', `the lock annotation ${settings.lockAnnotation} is unreadable; fix or remove it`);
  if (record.sharedLock === undefined && 'sharedLock' in record)
    return blocked('lock', "kured's lock annotation (--lock-annotation) is unreadable; fix or remove it");
  if (halt)
    return halt.node
      ? haltVerdict(halt.node, halt.reason)
      : blocked('halted', `rollout halted: ${halt.reason}; resume with "kreboot resume"`);
  // A node a recovery policy works on holds the rollout as a halt would, until its outcome.
  if (recovering) return blocked('recovering', `rollout waits on ${recovering.node ? `${recovering.node}: ` : ''}${recovering.reason}`);
  if (record.paused)
    return blocked('paused', `rollout paused${record.paused.reason ? `: ${record.paused.reason}` : ''}; resume with "kreboot resume"`);
  // kured's manual pause on kured's lock holds every pool, not only the default one (docs/pools.md).
  const foreign = [
    ...foreignHolders(record.lock, settings, now),
    ...(record.sharedLock ? foreignHolders(record.sharedLock, settings, now) : []),
  ];
  if (foreign.length > 0)
    return blocked(
      'paused',
      `lock held by ${foreign.map((holder) => holder.nodeID).join(', ')} (kured's manual pause or another reboot daemon)`,
    );
  return undefined;
}

/** The hold of a rollout that `node` halted (a gate's halt, a node that did not come back). */
export function haltVerdict(node: string, reason: string): Verdict {
  return blocked('halted', `rollout halted: ${node}: ${reason}; resume with "kreboot resume"`);
}
