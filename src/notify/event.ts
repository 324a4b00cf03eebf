// What the controller tells the people watching: one event per step or failure. The notification
// module turns an event into a message per configured service; sending never blocks the rollout.

import { NOTIFICATION_KINDS } from '../config/notification-kinds.ts';

/** Every kind, in the order --notify-events lists them. */
export { NOTIFICATION_KINDS };

export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface NotificationEvent {
  readonly kind: NotificationKind;
  readonly node: string;
  readonly reason?: string;
  readonly phase?: string;
  /** How long the step took, when it ends one. */
  readonly durationMs?: number;
  /** --cluster-name, added by the notification module (the controller does not set it). */
  readonly cluster?: string;
  /**
   * A `blocked` message for several nodes held by the same reason at once, set by the notification
   * module (patch night: one message, not one per node); `node` then names the first few.
   */
  readonly nodes?: readonly string[];
}

/**
 * What kind of reason holds a blocked node: the gate that names itself at the start of the reason
 * ("prometheus-alerts: 2 active alerts: A, B" → "prometheus-alerts"), else the reason itself. A
 * node's `blocked` is sent once per kind, so a changing list of firing alerts, or a window's next
 * opening, does not post again.
 */
export function blockedKind(reason: string | undefined): string {
  const text = reason ?? '';
  return /^([a-z][a-z0-9-]*): /.exec(text)?.[1] ?? text;
}

/** What the controller holds: fire and forget. */
export interface Notify {
  (event: NotificationEvent): void;
}
