// Reads and writes the rollout records on the lock DaemonSet with optimistic concurrency: every
// write carries the resourceVersion it was decided on; on 409 the store reads the object again and
// the caller's function decides again on the fresh record (kured's lock Update; docs/adr/0002-node-records-and-job-protocol.md). This is
// what keeps "never more than --concurrency nodes in flight" true across replicas and restarts.

import type { V1DaemonSet } from '@kubernetes/client-node';
import type { AnnotationChanges } from '../../kube/annotations.ts';
import { isConflict } from '../../kube/api-errors.ts';
import type { ClusterApi } from '../cluster-api.ts';
import { readRollout, type RolloutRecord } from '../../store/rollout-record.ts';

/** Decides the annotation changes from the current record; undefined means "nothing to write". */
type RolloutMutation<T> = (record: RolloutRecord) => { changes: AnnotationChanges; result: T } | { changes?: undefined; result: T };

export interface RolloutStore {
  /** The freshest record known: the watch's copy, or this store's own last write if newer. */
  current(): RolloutRecord | undefined;
  update<T>(mutation: RolloutMutation<T>): Promise<T>;
}

const MAX_CONFLICT_RETRIES = 5;

/** The store's own last write and the resourceVersion it was made on. */
export interface WrittenCell {
  last?: { ds: V1DaemonSet; from: string | undefined };
}

export function createRolloutStore(options: {
  api: ClusterApi;
  namespace: string;
  name: string;
  lockAnnotation: string;
  /** kured's lock, when this store keeps another pool's lock: its manual pause holds this pool too. */
  sharedLockAnnotation?: string;
  watched: () => V1DaemonSet | undefined;
  /**
   * The last write to the DaemonSet, shared by the stores of several pools (docs/pools.md): one
   * pool's write (a halt) is what the next pool reads, before the watch shows it.
   */
  written?: WrittenCell;
}): RolloutStore {
  const cell: WrittenCell = options.written ?? {};

  // The watch lags our own writes by a moment; until it catches up, our write is the newest.
  const latest = (): V1DaemonSet | undefined => {
    const watched = options.watched();
    const lastWritten = cell.last;
    if (lastWritten && watched?.metadata?.resourceVersion === lastWritten.from) return lastWritten.ds;
    return watched;
  };

  return {
    current() {
      const ds = latest();
      return ds ? readRollout(ds, options.lockAnnotation, options.sharedLockAnnotation) : undefined;
    },
    async update<T>(mutation: RolloutMutation<T>): Promise<T> {
      let ds = latest();
      for (let attempt = 0; ; attempt++) {
        if (!ds) ds = await options.api.readDaemonSet(options.namespace, options.name);
        const record = readRollout(ds, options.lockAnnotation, options.sharedLockAnnotation);
        const decided = mutation(record);
        if (!decided.changes) return decided.result;
        const body = { metadata: { resourceVersion: record.resourceVersion, annotations: decided.changes } };
        try {
          const written = await options.api.patchDaemonSet(options.namespace, options.name, body);
          cell.last = { ds: written, from: record.resourceVersion };
          return decided.result;
        } catch (error) {
          if (!isConflict(error) || attempt >= MAX_CONFLICT_RETRIES) throw error;
          ds = undefined; // read again and decide again
        }
      }
    },
  };
}
