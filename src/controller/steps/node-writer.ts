// The runner's one way to write a Node: an optimistic merge patch (the cached resourceVersion) that
// names this install on the node, announces the phase change it records (log, Event, notification,
// metric) and hands the API's answer to the own-writes overlay the cycle reads (own-writes.ts).
// A 409 or a 404 simply means "decide again on fresher data"; any other failure leaves the outcome
// unknown, and a write that would take the node out of service is then presumed landed for the caps.

import type { V1Node } from '@kubernetes/client-node';
import type { AnnotationChanges } from '../../kube/annotations.ts';
import { isConflict, isNotFound } from '../../kube/api-errors.ts';
import type { Logger } from '../../log/logger.ts';
import { applyMergePatch } from '../../kube/patch.ts';
import { INSTALL_ANNOTATION } from '../../store/keys.ts';
import { isOutOfService } from '../../store/node-progress.ts';
import type { ClusterApi } from '../cluster-api.ts';
import type { OwnWriteSink } from '../cluster/own-writes.ts';
import { announceTransition, type TransitionSinks } from '../observe/transitions.ts';
import type { ObservedNode } from '../policy/observed-node.ts';
import type { NodePatch } from './node-patches.ts';
import type { QuietMaintenance } from './quiet-maintenance.ts';

/** One perform() call's own state: per call, as calls for several nodes overlap. */
export interface WriteCall {
  readonly now: Date;
  /** A write was lost to a 409 (or a 404): the cycle comes back soon, as the change that won may not wake it. */
  conflicted: boolean;
  /** The node's write found no Node: it was deleted meanwhile. */
  gone?: boolean;
}

export interface NodeWriterDeps {
  readonly api: ClusterApi;
  readonly ownWrites: OwnWriteSink;
  readonly sinks: TransitionSinks;
  readonly quiet: QuietMaintenance;
  /** This install (`NAMESPACE/NAME` of the lock DaemonSet), named on every node it writes. */
  readonly install?: string;
  readonly log: Logger;
}

export interface NodeWriter {
  /** Writes the patch; false when it lost to a 409 or the Node is gone (the call says which). */
  write(call: WriteCall, node: V1Node, observed: ObservedNode, patch: NodePatch): Promise<boolean>;
  /**
   * A step that takes or keeps the node out (the cordon, a reboot job) with its alerts silenced.
   * The cordon silences once it has landed (its record says to find them by their matchers); a
   * reboot job silences first and records the IDs in its write, and silences made for a write that
   * did not land are expired at once.
   */
  writeSilenced(call: WriteCall, node: V1Node, observed: ObservedNode, patch: NodePatch, step: 'cordon' | 'dispatch'): Promise<boolean>;
}

export function createNodeWriter(deps: NodeWriterDeps): NodeWriter {
  const { api, ownWrites, log } = deps;

  /** Every write names this install on the node, unless the node names it already (two installs). */
  const claimed = (node: V1Node, patch: NodePatch): NodePatch =>
    deps.install && node.metadata?.annotations?.[INSTALL_ANNOTATION] !== deps.install
      ? withAnnotations(patch, { [INSTALL_ANNOTATION]: deps.install })
      : patch;

  async function write(call: WriteCall, node: V1Node, observed: ObservedNode, patch: NodePatch): Promise<boolean> {
    const name = observed.name;
    let written: V1Node;
    try {
      written = await api.patchNode(name, claimed(node, patch).body);
    } catch (error) {
      if (isConflict(error) || isNotFound(error)) {
        log.debug({ node: name }, 'node changed while deciding; deciding again');
        call.conflicted = true;
        call.gone = isNotFound(error);
        return false;
      }
      // Any other failure (a timeout, a reset connection, a 5xx) leaves the outcome unknown: the
      // write may have landed. One that takes the node out of service is taken as landed, for the
      // caps only, until the watch says otherwise (own-writes.ts); were it taken as lost,
      // another node could start before the watch shows this one cordoned (found by the
      // simulation, seeds 10939 and 20148, with the lock's holders lost at the same time).
      if (isOutOfService(patch.progress) && !isOutOfService(observed.progress))
        ownWrites.wrote(name, node.metadata?.resourceVersion, applyMergePatch(node, patch.body), true);
      throw error;
    }
    ownWrites.wrote(name, node.metadata?.resourceVersion, written);
    if (patch.progress) announceTransition(deps.sinks, node, observed.progress, patch.progress);
    return true;
  }

  return {
    write,
    async writeSilenced(call, node, observed, patch, step) {
      if (step === 'cordon') {
        const written = await write(call, node, observed, withAnnotations(patch, deps.quiet.silencedAfterCordon(observed)));
        // Its record (the cordon's) already says so: the IDs are not written again here.
        if (written) await deps.quiet.silence(node, observed, call.now, step);
        return written;
      }
      const silences = await deps.quiet.silence(node, observed, call.now, step);
      const written = await write(call, node, observed, withAnnotations(patch, silences.annotations));
      if (!written) await deps.quiet.unsilenceUnrecorded(observed, silences, call.gone === true);
      return written;
    },
  };
}

function withAnnotations(patch: NodePatch, annotations: AnnotationChanges): NodePatch {
  if (Object.keys(annotations).length === 0) return patch;
  return {
    ...patch,
    body: { ...patch.body, metadata: { ...patch.body.metadata, annotations: { ...patch.body.metadata.annotations, ...annotations } } },
  };
}
