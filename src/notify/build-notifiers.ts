// Turns config.notify into notifiers at start-up. Every bad URL for a service kreboot speaks becomes
// one problem line naming the flag, the URL's position and scheme, and what is wrong, never the
// secret, so main can add them to the configuration problems and exit 2. A scheme kreboot does not
// speak is a warning instead, and a notifier whose every message fails (unsupported.ts).

import type { ControllerConfig } from '../config/controller-config.ts';
import type { Notifier } from './notifier.ts';
import { redactUrl } from './redact.ts';
import { SERVICES } from './service-registry.ts';
import { parseSlackHookUrl } from './services/slack.ts';
import { UrlProblem, type ServiceContext } from './services/url-parts.ts';
import { unsupportedNotifier, unsupportedWarning } from './unsupported.ts';

export type NotifyConfig = ControllerConfig['notify'];

export interface BuiltNotifiers {
  readonly notifiers: readonly Notifier[];
  readonly problems: readonly string[];
  /** URLs of services kreboot does not speak: logged at start, their messages counted as failed. */
  readonly warnings: readonly string[];
  /** Every raw URL and its parts, so error texts can be scrubbed of them as a last line of defence. */
  readonly secrets: readonly string[];
}

export function buildNotifiers(config: NotifyConfig, context: ServiceContext): BuiltNotifiers {
  const notifiers: Notifier[] = [];
  const problems: string[] = [];
  const warnings: string[] = [];
  const secrets: string[] = [];
  if (config.slackHookUrl !== '') {
    secrets.push(config.slackHookUrl, ...config.slackHookUrl.split('/').slice(4));
    try {
      notifiers.push(parseSlackHookUrl(config.slackHookUrl.trim(), config.slackUsername, config.slackChannel, context));
    } catch (error) {
      problems.push(describe(error, ''));
    }
  }
  config.urls.forEach((raw, index) => {
    const where = `--notify-url #${index + 1} (${redactUrl(raw)})`;
    secrets.push(raw, ...urlParts(raw));
    try {
      notifiers.push(...parseNotifyUrl(raw.trim(), where));
    } catch (error) {
      problems.push(`${where}: ${describe(error, '')}`.replace(/: $/, ''));
    }
  });
  return { notifiers, problems, warnings, secrets };

  function parseNotifyUrl(raw: string, where: string): Notifier[] {
    const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(raw)?.[1]?.toLowerCase();
    if (!scheme) throw new UrlProblem('not a URL of the form service://…');
    const parser = SERVICES[scheme];
    if (!parser) {
      warnings.push(`${where}: ${unsupportedWarning(scheme, Object.keys(SERVICES))}`);
      return [unsupportedNotifier(scheme)];
    }
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new UrlProblem(`${scheme}: not a valid URL (check for unescaped characters such as "/" or "@" inside a token)`);
    }
    return parser(url, context);
  }
}

function describe(error: unknown, prefix: string): string {
  // Only our own UrlProblem texts are shown; anything else could carry the URL.
  const text = error instanceof UrlProblem ? error.message : 'could not be parsed';
  return prefix ? `${prefix}: ${text}` : text;
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
