// A --notify-url whose scheme kreboot does not speak. kured (through shoutrrr) only failed such a
// URL when sending, and a controller that exits at start over a notification URL takes the reboots
// down with it, so kreboot does the same: a warning at start, and every message to it counted as
// failed, never an exit. A bad URL for a service kreboot knows stays a start-up error.

import { DeliveryError } from './delivery-error.ts';
import type { Notifier } from './notifier.ts';

/** Why a scheme shoutrrr lists is not sent to, for the start-up warning (docs/notifications.md). */
const NOT_SUPPORTED: Readonly<Record<string, string>> = {
  logger: "shoutrrr's \"logger\" writes into the sending program's own Go log; kreboot's own log already has every event",
  xmpp: 'shoutrrr builds XMPP only with a build tag its releases (and kured) leave out',
};

/** The start-up warning for an unsupported scheme: what is wrong and what happens now. */
export function unsupportedWarning(scheme: string, supported: readonly string[]): string {
  const why = NOT_SUPPORTED[scheme];
  return `unsupported service "${scheme}"${why ? ` (${why})` : ''}; its messages will be counted as failed (supported: ${supported.join(', ')})`;
}

export function unsupportedNotifier(scheme: string): Notifier {
  return {
    service: scheme,
    target: `unsupported service ${scheme}`,
    send() {
      return Promise.reject(new DeliveryError(`unsupported service "${scheme}": not sent`, { retryable: false }));
    },
  };
}
