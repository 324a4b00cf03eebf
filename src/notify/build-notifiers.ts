// Turns config.notify into notifiers at start-up. A notification URL never stops the controller
// (kured, through shoutrrr, only failed such a URL when sending, and a controller that exits over a
// chat URL takes the reboots down with it): a URL kreboot cannot use — a scheme it does not speak,
// or a malformed URL of one it does — becomes a start-up warning naming the flag, the URL's position
// and scheme and what is wrong (never the secret), and a notifier whose every message fails, so
// the failure is counted in kreboot_notifications_total and shown on the status page.

import type { ControllerConfig } from '../config/controller-config.ts';
import type { Notifier } from './notifier.ts';
import { redactUrl } from './redact.ts';
import { SERVICES } from './service-registry.ts';
import { parseSlackHookUrl } from './services/slack.ts';
import { UrlProblem, type ServiceContext } from './services/url-parts.ts';
import { unsupportedWarning, unusableNotifier } from './unsupported.ts';

export type NotifyConfig = ControllerConfig['notify'];

/** One URL that cannot be used: logged at start with `message`, its `problem` shown on the status page. */
export interface UrlWarning {
  readonly message: string;
  /** Names the flag, the URL's position and scheme and what is wrong; never a secret part. */
  readonly problem: string;
}

export const UNSUPPORTED_MESSAGE = 'notification URL of an unsupported service: its messages will fail';
export const UNUSABLE_MESSAGE = 'notification URL cannot be used: its messages will fail';

export interface BuiltNotifiers {
  /** One per destination, the unusable URLs' failing notifiers included. */
  readonly notifiers: readonly Notifier[];
  readonly warnings: readonly UrlWarning[];
  /** Every raw URL and its parts, so error texts can be scrubbed of them as a last line of defence. */
  readonly secrets: readonly string[];
}

export function buildNotifiers(config: NotifyConfig, context: ServiceContext): BuiltNotifiers {
  const notifiers: Notifier[] = [];
  const warnings: UrlWarning[] = [];
  const secrets: string[] = [];
  if (config.slackHookUrl !== '') {
    secrets.push(config.slackHookUrl, ...config.slackHookUrl.split('/').slice(4));
    try {
      notifiers.push(parseSlackHookUrl(config.slackHookUrl.trim(), config.slackUsername, config.slackChannel, context));
    } catch (error) {
      unusable('slack', '--slack-hook-url', describe(error));
    }
  }
  config.urls.forEach((raw, index) => {
    const where = `--notify-url #${index + 1} (${redactUrl(raw)})`;
    secrets.push(raw, ...urlParts(raw));
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw.trim())?.[1]?.toLowerCase();
    if (!scheme) return unusable('invalid', where, 'not a URL of the form service://…');
    const parser = SERVICES[scheme];
    if (!parser) {
      const problem = `${where}: ${unsupportedWarning(scheme, Object.keys(SERVICES))}`;
      warnings.push({ message: UNSUPPORTED_MESSAGE, problem });
      notifiers.push(unusableNotifier(scheme, `unsupported service ${scheme}`, problem));
      return;
    }
    try {
      notifiers.push(...parser(parseUrl(raw.trim(), scheme), context));
    } catch (error) {
      unusable(serviceOf(scheme), where, describe(error));
    }
  });
  return { notifiers, warnings, secrets };

  function unusable(service: string, where: string, what: string): void {
    const problem = `${where}: ${what}`;
    warnings.push({ message: UNUSABLE_MESSAGE, problem });
    notifiers.push(unusableNotifier(service, `${where}, unusable`, problem));
  }
}

function parseUrl(raw: string, scheme: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new UrlProblem(`${scheme}: not a valid URL (check for unescaped characters such as "/" or "@" inside a token)`);
  }
}

/** The service a scheme's messages are counted under: teams+https is teams, hangouts is googlechat. */
function serviceOf(scheme: string): string {
  const base = scheme.split('+')[0] ?? scheme;
  return base === 'hangouts' ? 'googlechat' : base;
}

function describe(error: unknown): string {
  // Only our own UrlProblem texts are shown; anything else could carry the URL.
  return error instanceof UrlProblem ? error.message : 'could not be parsed';
}

function urlParts(raw: string): string[] {
  try {
    const url = new URL(raw);
    return [
      decodeSafe(url.username),
      decodeSafe(url.password),
      url.hostname,
      ...url.pathname.split('/'),
      ...[...url.searchParams.values()],
    ].filter((part) => part.length >= 8);
  } catch {
    return [];
  }
}

function decodeSafe(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}
