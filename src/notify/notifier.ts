// The one interface every chat service implements, and the message it is given. A new service is
// a new file in services/ plus a row in service-registry.ts, never an edit to a switch elsewhere.

import type { NotificationEvent } from './event.ts';

/** What a notifier is asked to deliver: the rendered text and the event it came from. */
export interface Message {
  readonly text: string;
  readonly event: NotificationEvent;
  /** When the event was queued (ms since the epoch), so a retried message keeps its own time. */
  readonly at: number;
}

export interface Notifier {
  /** Service name for the metric label and logs: slack, teams, discord, …, or an unsupported scheme. */
  readonly service: string;
  /** A description of the destination that is safe to log and show (no token, no secret path). */
  readonly target: string;
  /**
   * Why this destination can never deliver (its URL cannot be used), known at start: the status
   * page shows it as the destination's error before the first message fails.
   */
  readonly problem?: string;
  /** Deliver one message, or throw a DeliveryError saying whether a retry may help. */
  send(message: Message): Promise<void>;
}
