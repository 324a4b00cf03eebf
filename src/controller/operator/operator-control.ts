// Operator actions: pause, resume and "reboot this node". Each records an intent and wakes the
// decision cycle; none changes a node's phase itself (the policy owns every transition). Pause,
// halt and the last resume live on the lock DaemonSet (one record for the whole rollout); the
// policy re-arms the nodes that halted the rollout before the resume, with a fresh timeout.

import type { Notify } from '../../notify/event.ts';
import type { ClusterView } from '../cluster/cluster-view.ts';
import { HALTED_ANNOTATION, PAUSED_ANNOTATION, RECOVERING_ANNOTATION, RESUMED_ANNOTATION } from '../../store/keys.ts';
import type { RolloutStore } from '../lock/rollout-store.ts';
import { observeNode } from '../policy/observed-node.ts';
import type { RequestRecorder } from '../request-recorder.ts';

export interface Control {
  pause(reason: string, by: string): Promise<void>;
  /**
   * `rearmed`: the nodes that halted the rollout, which the policy now waits for again. `stillHeld`:
   * a halt or pause recorded after the resume was asked for, which it leaves (it needs its own resume).
   */
  resume(by: string): Promise<{ rearmed: string[]; stillHeld?: string }>;
  reboot(node: string, reason: string, by: string): Promise<'accepted' | 'unknown-node'>;
}

export function createControl(deps: {
  view: ClusterView;
  rollout: RolloutStore;
  requests: RequestRecorder;
  notify: Notify;
  clock: () => Date;
  wake: (reason: string) => void;
}): Control {
  return {
    async pause(reason, by) {
      const record = JSON.stringify({ at: deps.clock().toISOString(), reason, by });
      await deps.rollout.update(() => ({ changes: { [PAUSED_ANNOTATION]: record }, result: undefined }));
      deps.wake('paused');
    },

    async resume(by) {
      const now = deps.clock();
      const rearmed = deps.view
        .nodes()
        .map(observeNode)
        .filter(
          (node) =>
            node.progress?.phase === 'failed' && node.progress.haltedRollout === true && Date.parse(node.progress.since) <= now.getTime(),
        )
        .map((node) => node.name)
        .sort();
      // A resume also ends the wait for a recovered node that is gone (no replacement awaited any
      // more); a node still being recovered keeps the rollout waiting through its own record.
      const present = new Set(deps.view.nodes().map((node) => node.metadata?.name ?? ''));
      // The resume lifts what held the rollout when it was asked for. Its write may land much later
      // (conflict after conflict with the cycle's own writes); a halt or pause recorded meanwhile
      // stays, and the resume record keeps the request's time so the policy agrees.
      const outcome = await deps.rollout.update((record) => {
        const recovering = (record.recovering ?? []).filter((entry) => present.has(entry.node));
        const liftPause = record.paused !== undefined && recordedBy(record.paused.at, now);
        const liftHalt = record.halted !== undefined && recordedBy(record.halted.at, now);
        return {
          changes: {
            ...(liftPause ? { [PAUSED_ANNOTATION]: null } : {}),
            ...(liftHalt ? { [HALTED_ANNOTATION]: null } : {}),
            [RESUMED_ANNOTATION]: JSON.stringify({ at: now.toISOString(), by }),
            ...(record.recovering ? { [RECOVERING_ANNOTATION]: recovering.length > 0 ? JSON.stringify(recovering) : null } : {}),
          },
          result: {
            lifted: liftPause || liftHalt || recovering.length !== (record.recovering?.length ?? 0),
            stillHeld:
              record.halted && !liftHalt
                ? `halted since ${record.halted.at} by ${record.halted.node}: ${record.halted.reason}`
                : record.paused && !liftPause
                  ? `paused since ${record.paused.at}: ${record.paused.reason}`
                  : undefined,
          },
        };
      });
      const { lifted: wasHeld, stillHeld } = outcome;
      if (wasHeld || rearmed.length > 0) deps.notify({ kind: 'resumed', node: rearmed.join(', '), reason: `resumed by ${by}` });
      deps.wake('resumed');
      return { rearmed, ...(stillHeld ? { stillHeld } : {}) };
    },

    async reboot(node, reason, by) {
      const result = await deps.requests.requestByOperator(node, by, reason);
      deps.wake(`operator request for ${node}`);
      return result;
    },
  };
}

/** Whether a record written at `at` existed by `moment`. An unreadable time counts as old: a resume lifts it. */
function recordedBy(at: string, moment: Date): boolean {
  const time = Date.parse(at);
  return Number.isNaN(time) || time <= moment.getTime();
}
