// Quiet maintenance (--alertmanager-url with --silence-matchers, issue 26): the runner's silences of
// a node's alerts while kreboot reboots it. A courtesy to the people on call, never a gate: if
// Alertmanager cannot be reached the reboot goes on, with a warning and an Event. Silences are made
// once the cordon has landed (the cordon records that they are to be found by their matchers) and
// again with the reboot job, whose write records their IDs; they end with the reboot, expired
// beside the cycle (silence-expiry.ts), so a node whose silences cannot be expired still gives back
// its slot and starts its next reboot. Made before the cordon, a silence outlived a start that never
// landed (the controller killed in between, the gates closed when the next leader looked) and
// quieted a node kreboot was not rebooting (found by the simulation, seed 76228).

import type { V1Node } from '@kubernetes/client-node';
import type { NodeSilencer } from '../../alertmanager/node-silencer.ts';
import { silenceEnd } from '../../alertmanager/silence-end.ts';
import { createSilenceExpiry, MAX_EXPIRY_ATTEMPTS } from '../../alertmanager/silence-expiry.ts';
import type { AnnotationChanges } from '../../kube/annotations.ts';
import { isNotFound } from '../../kube/api-errors.ts';
import type { Logger } from '../../log/logger.ts';
import { isInFlight } from '../../store/node-progress.ts';
import { isSilenceId, SILENCED_BY_LOOKUP, silencesAnnotation } from '../../store/silence-record.ts';
import type { ClusterApi } from '../cluster-api.ts';
import type { OwnWriteSink } from '../cluster/own-writes.ts';
import type { EventRecorder } from '../observe/events.ts';
import { silencesToExpire } from '../policy/decide.ts';
import { observeNode, type ObservedNode } from '../policy/observed-node.ts';

/** What a silencing did: the record to write with the step, and what to undo if that write fails. */
export interface Silenced {
  readonly annotations: AnnotationChanges;
  /** IDs made by this call that the node does not record yet. */
  readonly created: readonly string[];
  /** The call failed: it may have made or extended silences all the same. */
  readonly uncertain: boolean;
}

export interface QuietMaintenanceDeps {
  readonly api: ClusterApi;
  /** Undefined when quiet maintenance is off: nothing is silenced. */
  readonly silencer: NodeSilencer | undefined;
  readonly ownWrites: OwnWriteSink;
  readonly events: EventRecorder;
  readonly settings: { readonly drainTimeoutMs: number; readonly rebootTimeoutMs: number };
  readonly wake: (reason: string) => void;
  readonly clock: () => Date;
  readonly log: Logger;
}

export interface QuietMaintenance {
  /** The record the cordon writes when the node's alerts are to be silenced once it lands; {} when off. */
  silencedAfterCordon(observed: ObservedNode): AnnotationChanges;
  /** Silences the node's alerts until `step`'s bound; the record to write with the step. */
  silence(node: V1Node, observed: ObservedNode, now: Date, step: 'cordon' | 'dispatch'): Promise<Silenced>;
  /**
   * Expires silences made for a write that did not land (`gone`: the Node was deleted, and what it
   * recorded goes too).
   */
  unsilenceUnrecorded(observed: ObservedNode, silenced: Silenced, gone: boolean): Promise<void>;
  /** Ends the silences of a reboot that is over, beside the cycle; when to look again. */
  expireEnded(observed: ObservedNode): Date | undefined;
  /** Resolves when no expiry runs (shutdown). */
  settled(): Promise<void>;
}

const NOT_SILENCED: Silenced = { annotations: {}, created: [], uncertain: false };

export function createQuietMaintenance(deps: QuietMaintenanceDeps): QuietMaintenance {
  const { api, silencer, log, settings } = deps;

  /** Removes expired (or given-up) silence IDs from the node's record, unless a new reboot has begun. */
  async function forgetSilences(name: string, ids: readonly string[], gaveUp?: string): Promise<void> {
    let fresh: V1Node;
    try {
      fresh = await api.readNode(name);
    } catch (error) {
      if (isNotFound(error)) return;
      throw error;
    }
    const observed = observeNode(fresh);
    if (isInFlight(observed.progress)) return;
    const recorded = observed.silences ?? [];
    const remaining = recorded.filter((id) => !ids.includes(id));
    if (remaining.length === recorded.length) return;
    const from = fresh.metadata?.resourceVersion;
    const written = await api.patchNode(name, { metadata: { resourceVersion: from, annotations: silencesAnnotation(remaining) } });
    deps.ownWrites.wrote(name, from, written);
    if (gaveUp === undefined) {
      log.info({ node: name, silences: ids }, 'silence record removed');
      return;
    }
    log.warn(
      { node: name, silences: ids, reason: gaveUp },
      'gave up expiring the silences of a node; they end by themselves at their bound',
    );
    deps.events.record(
      written,
      observed.progress?.phase ?? 'done',
      `could not expire the node's Alertmanager silences after ${MAX_EXPIRY_ATTEMPTS} attempts (${gaveUp}); they end by themselves at their bound`,
      true,
    );
  }

  /** Quiet maintenance's end, beside the cycle: never holds a node (issue 26). */
  const expiry = silencer ? createSilenceExpiry({ silencer, forget: forgetSilences, wake: deps.wake, clock: deps.clock, log }) : undefined;

  return {
    silencedAfterCordon(observed) {
      if (!silencer) return {};
      return silencesAnnotation([...(observed.silences ?? []), SILENCED_BY_LOOKUP]);
    },

    async silence(node, observed, now, step) {
      if (!silencer) return NOT_SILENCED;
      // An expiry of the previous reboot's silences must not undo (or un-record) this reboot's.
      await expiry?.cancel(observed.name);
      const until = silenceEnd(now, { drainTimeoutMs: settings.drainTimeoutMs, rebootTimeoutMs: settings.rebootTimeoutMs }, step);
      try {
        const ids = await silencer.silence(observed.name, until, observed.request?.reason ?? `kreboot is rebooting ${observed.name}`);
        // The IDs found now replace the cordon's "find them by matchers": the same silences, extended.
        const recorded = new Set((observed.silences ?? []).filter(isSilenceId));
        return {
          annotations: silencesAnnotation([...recorded, ...ids.filter((id) => !recorded.has(id))]),
          created: ids.filter((id) => !recorded.has(id)),
          uncertain: false,
        };
      } catch (error) {
        log.warn({ err: error, node: observed.name }, "could not silence the node's alerts in Alertmanager; rebooting anyway");
        deps.events.record(
          node,
          observed.progress?.phase ?? 'cordoned',
          `could not silence the node's alerts in Alertmanager: ${error instanceof Error ? error.message : String(error)}`,
          true,
        );
        // A call whose answer was lost may have made or extended a silence all the same.
        return { annotations: {}, created: [], uncertain: true };
      }
    },

    // Unrecorded, nothing else would end them before their bound, and they would quiet a node
    // kreboot is not rebooting (found by the simulation, seed 9257).
    async unsilenceUnrecorded(observed, { created, uncertain }, gone) {
      const name = observed.name;
      // A Node that is gone is rebooted no more: what it recorded goes too, or a silence this call
      // extended would quiet the host that registers under its name (found by the simulation, seed
      // 24819). After a failed silencing the silencer's own lookup finds what it may have made or
      // extended all the same (seed 11897: an extension whose answer was lost, then the node gone).
      const ids = gone ? [...(observed.silences ?? []), ...created] : created;
      if (!silencer || (ids.length === 0 && !uncertain && !gone)) return;
      try {
        await silencer.expire(name, ids);
      } catch (error) {
        log.warn(
          { err: error, node: name, silences: created },
          'could not expire silences made for a write that did not land; they end at their bound',
        );
      }
    },

    expireEnded: (observed) => expiry?.step(observed.name, silencesToExpire(observed)),
    settled: async () => expiry?.settled(),
  };
}
