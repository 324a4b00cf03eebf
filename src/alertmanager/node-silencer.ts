// Quiet maintenance: while kreboot drains and reboots a node, the alerts that reboot is expected to
// cause (node NotReady, its targets down) are silenced in Alertmanager, one silence per matcher set
// (--silence-matchers). The runner records the returned IDs on the Node (CONTROLLER.silences) and
// expires them when the node is done or has failed: on failure the operator must hear the alerts.
//
// Three layers keep a silence from outliving its reboot: every silence has a bounded endsAt (the
// caller's `until`, at most the reboot's own deadline), the IDs are recorded on the Node, and both
// `silence` and `expire` also find kreboot's own silences for the node by their matchers, so a
// controller that crashed between creating a silence and recording it neither duplicates nor leaks it.
// That lookup asks Alertmanager for one matcher set's silences of this node only (silenceFilter):
// listing every silence read back all a rollout left (kept 120 h, two per node), until past the
// response cap every call failed (issue 26).

import type { Logger } from 'pino';
import type { AlertmanagerClient, Silence } from './alertmanager-client.ts';
import { isSilenceId } from '../store/silence-record.ts';
import { formatMatchers, renderMatcherSet, sameMatchers, silenceFilter, type MatcherSet } from './silence-matchers.ts';

const SILENCE_CREATED_BY = 'kreboot';

export interface NodeSilencer {
  /**
   * Silences the node's alerts until `until` (creating or extending kreboot's silences, one per
   * matcher set) and returns their IDs, to be recorded on the Node. Throws when Alertmanager
   * cannot be reached or refuses; silences made before the failure are found again on retry.
   */
  silence(node: string, until: Date, reason: string): Promise<string[]>;
  /**
   * Expires the recorded IDs and any other active silence kreboot made for this node; an ID that
   * is already expired or unknown counts as done. Throws after trying them all if any failed.
   */
  expire(node: string, ids: readonly string[]): Promise<void>;
}

export interface NodeSilencerOptions {
  readonly client: AlertmanagerClient;
  readonly sets: readonly MatcherSet[];
  readonly log: Logger;
  readonly now?: () => Date;
}

function isLive(silence: Silence): boolean {
  return silence.createdBy === SILENCE_CREATED_BY && (silence.state === 'active' || silence.state === 'pending');
}

export function createNodeSilencer({ client, sets, log, now = () => new Date() }: NodeSilencerOptions): NodeSilencer {
  /** Per matcher set: the set for this node, and kreboot's live silences with exactly those matchers. */
  const mine = (node: string) =>
    Promise.all(
      sets.map(async (set) => {
        const matchers = renderMatcherSet(set, node);
        const found = await client.silences(silenceFilter(matchers));
        return { matchers, existing: found.filter((s) => isLive(s) && sameMatchers(s.matchers, matchers)) };
      }),
    );

  return {
    async silence(node, until, reason) {
      if (until.getTime() <= now().getTime())
        throw new Error(`silence for node ${node}: the end ${until.toISOString()} is not in the future`);
      const ids: string[] = [];
      for (const { matchers, existing } of await mine(node)) {
        const [reuse, ...duplicates] = existing;
        const comment = `kreboot: node ${node} is being drained and rebooted (${reason}); expires when the node is back or its reboot fails`;
        // Alertmanager extends an active silence in place when only endsAt/comment change (same
        // startsAt), and otherwise replaces it; either way the ID it answers is the one to record.
        const id = await client.createSilence({
          ...(reuse ? { id: reuse.id, startsAt: new Date(reuse.startsAt) } : { startsAt: now() }),
          matchers,
          endsAt: until,
          createdBy: SILENCE_CREATED_BY,
          comment,
        });
        for (const duplicate of duplicates) await client.expireSilence(duplicate.id);
        log.info(
          { node, silence: id, matchers: formatMatchers(matchers), until: until.toISOString(), reused: reuse !== undefined },
          'alerts silenced',
        );
        ids.push(id);
      }
      return ids;
    },

    async expire(node, recorded) {
      // The cordon's record names no IDs (silence-record.ts): the lookup below finds them.
      const ids = recorded.filter(isSilenceId);
      const failures: string[] = [];
      const expireOne = async (id: string) => {
        try {
          await client.expireSilence(id);
        } catch (error) {
          failures.push((error as Error).message);
        }
      };
      for (const id of ids) await expireOne(id);
      let found: Awaited<ReturnType<typeof mine>> = [];
      try {
        found = await mine(node);
      } catch (error) {
        failures.push((error as Error).message);
      }
      const done = new Set(ids);
      for (const { existing } of found) {
        for (const silence of existing) if (!done.has(silence.id)) await expireOne(silence.id);
      }
      if (failures.length > 0) throw new Error(`cannot expire the silences for node ${node}: ${failures.join('; ')}`);
      log.info({ node, silences: ids }, 'silences expired');
    },
  };
}
