// A maintenance window: a set of moments in which reboots may start. The gate needs to know whether
// "now" is inside and, when not, the exact next moment it opens (a requeue, never polling).

export interface Window {
  /** Human text for the status API and the block reason. */
  readonly description: string;
  contains(instant: number): boolean;
  /** The first instant after `instant` at which contains() becomes true; undefined if never. */
  nextOpening(instant: number): number | undefined;
}
