// What the controller tells the people watching: one event per step or failure. The notification
// module turns an event into a message per configured service; sending never blocks the rollout.

export type NotificationKind = 'drain' | 'reboot' | 'uncordon' | 'blocked' | 'drain-failed' | 'reboot-failed' | 'halted' | 'resumed';

export interface NotificationEvent {
  readonly kind: NotificationKind;
  readonly node: string;
  readonly reason?: string;
  readonly phase?: string;
  /** How long the step took, when it ends one. */
  readonly durationMs?: number;
}

/** What the controller holds: fire and forget. */
export interface Notify {
  (event: NotificationEvent): void;
}
