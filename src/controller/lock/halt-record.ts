// The halt, kept on the lock DaemonSet as well as on the node that caused it. The node's record
// alone is not enough: the node that did not come back is exactly the node a cluster autoscaler,
// a cloud's auto-repair or an operator deletes, and a halt derived only from nodes would vanish
// with it — releasing its slot and starting the next node with no resume. Kept here, the halt
// stays until an operator resumes, and still names the node when that node is gone.

import type { AnnotationChanges } from '../../kube/annotations.ts';
import { HALTED_ANNOTATION } from '../../store/keys.ts';
import type { HaltRecord, RolloutRecord } from '../../store/rollout-record.ts';

/**
 * The write that keeps `halt` on the rollout record, decided on the freshest record: nothing when a
 * halt is already kept (the first one stays named) or when a resume came after it (a cycle that
 * read the nodes before the resume must not bring back the halt the resume cleared).
 */
export function keepHalt(halt: HaltRecord, fresh: RolloutRecord): AnnotationChanges | undefined {
  if (fresh.halted) return undefined;
  if (fresh.resumed && Date.parse(fresh.resumed.at) >= Date.parse(halt.at)) return undefined;
  return { [HALTED_ANNOTATION]: JSON.stringify(halt) };
}
