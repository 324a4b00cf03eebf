// How long a quiet-maintenance silence lasts: always bounded, so a silence nobody expires (a
// controller gone for good) still ends by itself soon after the reboot would have timed out.
// At cordon it covers the drain and the reboot; at dispatch it is set again to cover the reboot
// alone, so a drain that took longer than planned never leaves the reboot unsilenced.

export interface SilenceEndSettings {
  /** --drain-timeout; 0 means no limit, for which DRAIN_ALLOWANCE_MS is assumed. */
  readonly drainTimeoutMs: number;
  /** --reboot-timeout: how long a dispatched node may take to come back. */
  readonly rebootTimeoutMs: number;
}

/** Assumed drain length when --drain-timeout is 0 (unlimited); the dispatch call extends it anyway. */
const DRAIN_ALLOWANCE_MS = 3_600_000;
/** Time after the reboot timeout for the node's alerts to resolve and the controller to expire them. */
const SILENCE_MARGIN_MS = 5 * 60_000;

export function silenceEnd(now: Date, settings: SilenceEndSettings, step: 'cordon' | 'dispatch'): Date {
  const drain = step === 'cordon' ? (settings.drainTimeoutMs > 0 ? settings.drainTimeoutMs : DRAIN_ALLOWANCE_MS) : 0;
  return new Date(now.getTime() + drain + settings.rebootTimeoutMs + SILENCE_MARGIN_MS);
}
