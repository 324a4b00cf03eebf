// The runner's writes to the rollout record (the lock DaemonSet): a node's slot taken before its
// cordon and given back only after it is restored or done, so the lock always covers every node
// kreboot has out of service; and the halt and recovery records kept before the node's own write
// (halt-record.ts, recovering-record.ts). Each write is decided on the freshest record
// (rollout-store.ts retries on a conflict); what the cycle read is only the starting point.

import type { Logger } from '../../log/logger.ts';
import { HALTED_ANNOTATION, RECOVERING_ANNOTATION } from '../../store/keys.ts';
import type { NodeProgress } from '../../store/node-progress.ts';
import type { HaltRecord } from '../../store/rollout-record.ts';
import type { ObservedNode } from '../policy/observed-node.ts';
import { recoveringRecord } from '../policy/recovery.ts';
import { rolloutHold } from '../policy/rollout-hold.ts';
import { keepHalt } from './halt-record.ts';
import type { RolloutStore } from './rollout-store.ts';
import { acquire, release, type AcquireResult, type SlotSettings } from './slots.ts';

/** The cycle's view of who is out of service: their holders are never dropped from the lock. */
export interface SlotContext {
  readonly now: Date;
  readonly outOfService: ReadonlySet<string>;
  /**
   * Whether the node's zone has room beside the given holders of our slots (the lock as it is when
   * the slot is written, perhaps newer than the cycle's): the reason when it has not.
   */
  readonly zoneFull?: (node: ObservedNode, holders: readonly string[]) => string | undefined;
}

export interface SlotKeeperDeps {
  readonly rollout: RolloutStore;
  readonly settings: SlotSettings & {
    /** With pools: a start refuses a record that shows a halt or a pause (docs/pools.md). */
    readonly checkRolloutOnStart?: boolean;
  };
  /** This pool's lock annotation on the lock DaemonSet (kured's --lock-annotation for the default pool). */
  readonly lockAnnotation: string;
  readonly log: Logger;
}

export interface SlotKeeper {
  /** Takes a slot for the node; `reclaim`: whatever the lock says (a node the API confirms is out). */
  take(observed: ObservedNode, context: SlotContext, reclaim: boolean): Promise<AcquireResult>;
  /** Gives back the node's slot, if taken no later than `takenNoLaterThan` (its round). */
  release(name: string, context: SlotContext, takenNoLaterThan: string | undefined): Promise<void>;
  /** Keeps `halt` on the rollout record (unless one is kept already); true when this call wrote it. */
  keepHalt(halt: HaltRecord): Promise<boolean>;
  /** Takes back a halt this runner kept, if the record still holds exactly that one. */
  dropHalt(halt: HaltRecord): Promise<void>;
  /**
   * Keeps the node's recovery on the rollout record before the node's write (as the halt is): a
   * node-repair controller that deletes the node must not take the rollout's wait with it.
   */
  keepRecovering(name: string, progress: NodeProgress): Promise<void>;
}

export function createSlotKeeper(deps: SlotKeeperDeps): SlotKeeper {
  const { rollout, settings, lockAnnotation: lockKey, log } = deps;
  return {
    take(observed, context, reclaim) {
      return rollout.update<AcquireResult>((record) => {
        if (!record.lock) return { result: { acquired: false, reason: 'the lock annotation is unreadable' } };
        const progress = observed.progress;
        const finished =
          progress && (progress.phase === 'done' || progress.phase === 'failed') ? (progress.startedAt ?? progress.since) : undefined;
        // A halt kept on the record since the cycle read it (a hook failed with --hook-failure=halt,
        // its node given back) holds this start too.
        if (!reclaim && record.halted && !(record.resumed && Date.parse(record.resumed.at) >= Date.parse(record.halted.at)))
          return { result: { acquired: false, reason: `rollout halted: ${record.halted.reason}` } };
        // The rollout waits on a node being recovered; its record is written before the node's, so a
        // replica whose view has not shown the recovery yet cannot start another node on a stale one.
        const recovering = reclaim ? undefined : record.recovering?.find((entry) => entry.node !== observed.name);
        if (recovering) return { result: { acquired: false, reason: `rollout waits on ${recovering.node}, being recovered` } };
        // With pools, another pool's halt or an operator's pause may have landed since this cycle
        // read the record: a start checks the record it writes its slot into (docs/pools.md).
        if (!reclaim && settings.checkRolloutOnStart) {
          const hold = rolloutHold(record, record.halted, true, { ...settings, lockAnnotation: lockKey }, context.now);
          if (hold && !hold.open) return { result: { acquired: false, reason: `${hold.gate}: ${hold.reason}` } };
        }
        // The cycle's ledger checked the zone against the lock it read; the slot is written against
        // the lock as it is now, so a holder that appeared since (a write retried on a conflict)
        // is checked here too.
        if (!reclaim) {
          const zoneFull = context.zoneFull?.(
            observed,
            record.lock.holders.filter((holder) => holder.ours).map((holder) => holder.nodeID),
          );
          if (zoneFull) return { result: { acquired: false, reason: zoneFull } };
        }
        const result = acquire(
          record.lock,
          {
            node: observed.name,
            unschedulable: observed.unschedulable,
            pinned: context.outOfService,
            reclaim,
            roundStartedAt: progress?.startedAt,
            finishedRoundStartedAt: finished,
          },
          settings,
          context.now,
        );
        return result.acquired ? { changes: { [lockKey]: result.value }, result } : { result };
      });
    },
    async release(name, context, takenNoLaterThan) {
      const released = await rollout.update((record) => {
        if (!record.lock) return { result: false };
        // Gives back this node's slot (and expired holders); holders of deleted nodes are the
        // cycle's housekeeping, which asks the API server first.
        const value = release(record.lock, new Set([name]), () => true, settings, context.now, context.outOfService, takenNoLaterThan);
        return value === undefined ? { result: false } : { changes: { [lockKey]: value }, result: true };
      });
      if (released) log.info({ node: name }, 'Releasing lock'); // kured's text
    },
    keepHalt(halt) {
      return rollout.update((fresh) => {
        const changes = keepHalt(halt, fresh);
        return changes ? { changes, result: true } : { result: false };
      });
    },
    async dropHalt(halt) {
      await rollout.update((fresh) => {
        const same = fresh.halted?.node === halt.node && fresh.halted.at === halt.at;
        return same ? { changes: { [HALTED_ANNOTATION]: null }, result: undefined } : { result: undefined };
      });
    },
    async keepRecovering(name, progress) {
      const record = recoveringRecord(name, progress);
      await rollout.update((fresh) => {
        const others = (fresh.recovering ?? []).filter((kept) => kept.node !== name);
        return { changes: { [RECOVERING_ANNOTATION]: JSON.stringify([...others, record]) }, result: undefined };
      });
    },
  };
}
