// "How long will it take": the time left in the rollout, from the reboots measured so far (cordon
// to done, read from the nodes' records). Nodes in flight are expected to take the average minus
// what they have already spent; waiting and queued nodes the whole average, `concurrency` at a time.
// No finished reboot yet means no estimate, rather than a guess.

export interface Estimate {
  /** Seconds until the last pending node is expected to be done (no clock time here: the status
   * would then change every second, and be pushed to every page, with nothing new to say). */
  readonly remainingSeconds: number;
  readonly averageRebootSeconds: number;
  /** How many finished reboots the average is taken over. */
  readonly measured: number;
}

export interface EstimateNode {
  readonly phase: string;
  readonly since: string | undefined;
  readonly startedAt: string | undefined;
  readonly inFlight: boolean;
}

export function estimateRemaining(nodes: readonly EstimateNode[], pending: number, concurrency: number, now: Date): Estimate | null {
  const durations = nodes
    .filter((node) => node.phase === 'done' && node.since && node.startedAt)
    .map((node) => (Date.parse(node.since!) - Date.parse(node.startedAt!)) / 1000)
    .filter((seconds) => Number.isFinite(seconds) && seconds >= 0);
  if (durations.length === 0) return null;
  const average = durations.reduce((sum, seconds) => sum + seconds, 0) / durations.length;
  const left = nodes
    .filter((node) => node.inFlight)
    .map((node) => {
      const spent = node.startedAt ? (now.getTime() - Date.parse(node.startedAt)) / 1000 : 0;
      return Math.max(0, average - (Number.isFinite(spent) ? spent : 0));
    });
  const work = left.reduce((sum, seconds) => sum + seconds, 0) + pending * average;
  const slots = Math.max(1, concurrency);
  // However many slots there are, no node finishes faster than its own remaining time.
  const remainingSeconds = Math.round(Math.max(work / slots, ...left, pending > 0 ? average : 0));
  return {
    remainingSeconds,
    averageRebootSeconds: Math.round(average),
    measured: durations.length,
  };
}
