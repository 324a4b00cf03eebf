// A notification URL kreboot cannot use: a scheme it does not speak, or a malformed URL of one it
// does. kured (through shoutrrr) only failed such a URL when sending, and a controller that exits
// at start over a notification URL takes the reboots down with it, so kreboot does the same: a
// warning at start (build-notifiers.ts), and a notifier whose every message fails, counted as
// failed, with the problem shown on the status page from the start. Never an exit.

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

/** A destination that fails every message with `problem` (safe to show: no secret part of the URL). */
export function unusableNotifier(service: string, target: string, problem: string): Notifier {
  return {
    service,
    target,
    problem,
    send() {
      return Promise.reject(new DeliveryError(`${problem}: not sent`, { retryable: false }));
    },
  };
}
