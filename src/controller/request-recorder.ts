// The request recorder: records the reboot requests of the webhook and the operator API on the Node
// (annotation kreboot.dev/reboot-request, ADR 0002) before they are answered, so a restart or a
// request received by a non-leader replica loses nothing. The decision cycle reads them from the
// watch-fed view, and is woken by each write. Idempotent: a request already recorded keeps its time (oldest first), so Alertmanager's
// re-sends change nothing, and a remediation alert episode already rebooted for is not recorded
// again. Requests and withdrawals are intents only: the policy decides what they change. Writes
// are optimistic; on 409 the Node is read again.

import type { V1Node } from '@kubernetes/client-node';
import type { Ignored, RequestSink } from '../intake/request-sink.ts';
import type { AnnotationChanges } from '../kube/annotations.ts';
import { INSTALL_ANNOTATION } from '../store/keys.ts';
import { isConflict, isNotFound } from '../kube/api-errors.ts';
import { CONTROLLER } from '../store/keys.ts';
import type { ClusterApi } from './cluster-api.ts';
import { parseProgress, isInFlight } from '../store/node-progress.ts';
import { parseRemediated, remediationEpisode, remediationRefusal } from '../store/remediation-memory.ts';
import { parseRequest, type RebootRequest } from '../store/reboot-request.ts';

const MAX_ATTEMPTS = 5;

export interface RequestRecorder extends RequestSink {
  /** An operator's request (`kreboot reboot NODE`): also re-arms a node that gave up. */
  requestByOperator(node: string, by: string, reason: string): Promise<'accepted' | 'unknown-node'>;
}

export function createRequestRecorder(options: {
  api: ClusterApi;
  cached: (node: string) => V1Node | undefined;
  /** Whether the view has listed the Nodes: until then an unknown name may just not be seen yet. */
  synced: () => boolean;
  clock: () => Date;
  onWrite: () => void;
  /** Remediation reboots per alert within the remembered window (remediation-memory.ts). */
  remediationCap: number;
  /** This install (keys.ts INSTALL_ANNOTATION), claimed with every request written. */
  install?: string;
}): RequestRecorder {
  const { api } = options;

  /**
   * Reads the synced view, lets `change` decide, writes optimistically; after a 409, reads the API.
   * A name the synced view does not hold is unknown, without an API read: one read per name let a
   * webhook naming 10,000 made-up nodes cost 10,000 reads (and odd names made odd API paths).
   */
  async function update<T>(
    name: string,
    change: (node: V1Node) => { annotations?: AnnotationChanges; result: T },
    unknown: T,
    fresh = false,
  ): Promise<T> {
    let node = options.cached(name);
    if (!node) {
      if (!options.synced()) throw new Error("the controller has not read the cluster's Nodes yet (starting); try again");
      return unknown;
    }
    // An operator's request is decided on the API's copy: the view may not show yet that the node
    // gave up after an older request, and answering "accepted" without writing would lose it.
    if (fresh) node = undefined;
    for (let attempt = 1; ; attempt++) {
      if (!node) {
        try {
          node = await api.readNode(name);
        } catch (error) {
          if (isNotFound(error)) return unknown;
          throw error;
        }
      }
      const decided = change(node);
      if (!decided.annotations) return decided.result;
      try {
        const annotations = options.install ? { ...decided.annotations, [INSTALL_ANNOTATION]: options.install } : decided.annotations;
        await api.patchNode(name, { metadata: { resourceVersion: node.metadata?.resourceVersion, annotations } });
        options.onWrite();
        return decided.result;
      } catch (error) {
        if (isNotFound(error)) return unknown;
        if (!isConflict(error) || attempt >= MAX_ATTEMPTS) throw error;
        node = undefined;
      }
    }
  }

  const annotation = (node: V1Node, key: string) => node.metadata?.annotations?.[key];
  /** Whether the node halted the rollout after `request` was recorded (its halt has not been resumed). */
  const haltedSince = (node: V1Node, request: RebootRequest) => {
    const progress = parseProgress(annotation(node, CONTROLLER.state));
    return progress?.phase === 'failed' && progress.haltedRollout === true && Date.parse(progress.since) >= Date.parse(request.at);
  };
  const pick = (request: RebootRequest) =>
    request.fingerprint && request.startsAt ? { fingerprint: request.fingerprint, startsAt: request.startsAt } : {};

  return {
    request(name, source) {
      return update<'accepted' | 'unknown-node' | Ignored>(
        name,
        (node) => {
          const existing = parseRequest(annotation(node, CONTROLLER.request));
          // A node that halted the rollout still carries the request it halted on; a remediation
          // alert for it is recorded over that one, so that it can act on the halted node (issue 24).
          if (existing && !(source.kind === 'remediation' && existing.kind !== 'remediation' && haltedSince(node, existing)))
            return { result: 'accepted' };
          const now = options.clock();
          if (source.kind === 'remediation') {
            const refusal = remediationRefusal(
              parseRemediated(annotation(node, CONTROLLER.remediated)),
              source,
              options.remediationCap,
              now,
            );
            if (refusal) return { result: { ignored: refusal } };
          }
          // A remediation request always carries its episode (made up from the alert name when the
          // sender gave none), so the reboot's completion remembers it.
          const episode = source.kind === 'remediation' ? remediationEpisode(source) : source;
          const request: RebootRequest = {
            at: now.toISOString(),
            kind: source.kind,
            ...(source.alertname ? { alertname: source.alertname } : {}),
            ...(episode.fingerprint ? { fingerprint: episode.fingerprint } : {}),
            ...(episode.startsAt ? { startsAt: episode.startsAt } : {}),
          };
          return { annotations: { [CONTROLLER.request]: JSON.stringify(request) }, result: 'accepted' };
        },
        'unknown-node',
      );
    },

    withdraw(name) {
      return update(
        name,
        (node) => {
          const request = parseRequest(annotation(node, CONTROLLER.request));
          const progress = parseProgress(annotation(node, CONTROLLER.state));
          // Only alert requests are withdrawn by alerts, and only before the node is in flight:
          // a node being drained or rebooted finishes (docs/webhook.md).
          if (!request || request.kind !== 'alert' || isInFlight(progress)) return { result: 'not-pending' as const };
          // The intent only: the policy records the node as withdrawn on its next cycle.
          return { annotations: { [CONTROLLER.request]: null }, result: 'withdrawn' as const };
        },
        'unknown-node' as const,
      );
    },

    requestByOperator(name, by, reason) {
      return update(
        name,
        (node) => {
          const existing = parseRequest(annotation(node, CONTROLLER.request));
          const progress = parseProgress(annotation(node, CONTROLLER.state));
          // A pending operator request is kept (its place in the queue), unless the node gave up
          // on it: asking again is then a new request, the one thing that restarts a final failure.
          const gaveUp =
            progress?.phase === 'failed' &&
            progress.final === true &&
            existing !== undefined &&
            Date.parse(progress.since) >= Date.parse(existing.at);
          if (existing?.kind === 'api' && !gaveUp) return { result: 'accepted' as const };
          // Replacing a remediation request keeps its alert episode, so the reboot still counts
          // for that episode and Alertmanager's re-sends of it are recognised afterwards.
          const episode =
            existing?.kind === 'remediation' && existing.fingerprint && existing.startsAt
              ? { fingerprint: existing.fingerprint, startsAt: existing.startsAt }
              : existing?.kind === 'api'
                ? pick(existing)
                : {};
          const request: RebootRequest = { at: options.clock().toISOString(), kind: 'api', by, ...(reason ? { reason } : {}), ...episode };
          return { annotations: { [CONTROLLER.request]: JSON.stringify(request) }, result: 'accepted' as const };
        },
        'unknown-node' as const,
        true,
      );
    },
  };
}
