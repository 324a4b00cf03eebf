// Small helpers shared by the service URL parsers: decoding the URL's parts, reading the query
// options a service documents, and the problem type whose text is safe to show (it names what is
// wrong, never the token).

import type { HttpTransport } from '../http-transport.ts';
import type { SmtpSender } from '../smtp-sender.ts';

/** A bad notification URL. The message must never contain a secret part of the URL. */
export class UrlProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UrlProblem';
  }
}

/** What a service parser gets besides the URL: the way to send, and the clock. */
export interface ServiceContext {
  readonly transport: HttpTransport;
  readonly now: () => number;
  /** How the smtp notifier sends mail; a nodemailer sender with default settings when absent. */
  readonly smtp?: SmtpSender | undefined;
}

export function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new UrlProblem('a part of the URL has a malformed %-escape');
  }
}

/**
 * The query options of a URL, keyed in lower case as shoutrrr treats them. Options in `ignored`
 * are accepted for compatibility with shoutrrr URLs and have no effect; any other unknown option
 * is a problem, so a typo does not silently do nothing.
 */
export function readQuery(url: URL, service: string, known: readonly string[], ignored: readonly string[] = []): Map<string, string> {
  const options = new Map<string, string>();
  const unknown: string[] = [];
  for (const [rawKey, value] of url.searchParams) {
    const key = rawKey.toLowerCase();
    if (known.includes(key)) options.set(key, value);
    else if (!ignored.includes(key)) unknown.push(rawKey);
  }
  if (unknown.length > 0) {
    throw new UrlProblem(
      `${service}: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (known: ${known.join(', ')})`,
    );
  }
  return options;
}

/**
 * The query options of a service whose shoutrrr v0.8 parser reads only the options it knows and
 * ignores the rest (googlechat, zulip, rocketchat): keyed in lower case, nothing refused.
 */
export function readQueryLeniently(url: URL): Map<string, string> {
  const options = new Map<string, string>();
  for (const [key, value] of url.searchParams) if (!options.has(key.toLowerCase())) options.set(key.toLowerCase(), value);
  return options;
}

/** shoutrrr's booleans: yes/no, true/false, 1/0, on/off. */
export function readBool(options: Map<string, string>, key: string, service: string, fallback: boolean): boolean {
  const value = options.get(key);
  if (value === undefined || value === '') return fallback;
  if (/^(yes|true|1|on)$/i.test(value)) return true;
  if (/^(no|false|0|off)$/i.test(value)) return false;
  throw new UrlProblem(`${service}: option "${key}" must be yes or no, not "${value}"`);
}

/** An emoji name or an image URL, as Slack and Mattermost take it. */
export function iconFields(icon: string | undefined): Record<string, string> {
  if (!icon) return {};
  return /^https?:\/\//.test(icon) ? { icon_url: icon } : { icon_emoji: icon };
}

/** Header values must be visible ASCII; anything else would make the HTTP request itself fail. */
export function assertHeaderSafe(value: string, what: string): void {
  if (!/^[\x20-\x7e]*$/.test(value)) throw new UrlProblem(`${what} must be plain ASCII text`);
}

export const JSON_CONTENT = 'application/json; charset=utf-8';
export const FORM_CONTENT = 'application/x-www-form-urlencoded';

/** The path of a URL split into its decoded parts, without empty leading or trailing parts. */
export function pathParts(url: URL): string[] {
  return url.pathname
    .split('/')
    .filter((part) => part !== '')
    .map(decode);
}

/** A comma-separated list option, trimmed, without empty items. */
export function readList(options: Map<string, string>, key: string): string[] {
  return (options.get(key) ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** An integer option within a range, or the fallback when absent. */
export function readInt(
  options: Map<string, string>,
  key: string,
  service: string,
  range: readonly [number, number],
  fallback?: number,
): number | undefined {
  const value = options.get(key);
  if (value === undefined || value === '') return fallback;
  const number = Number(value);
  if (!Number.isInteger(number) || number < range[0] || number > range[1])
    throw new UrlProblem(`${service}: option "${key}" must be a whole number from ${range[0]} to ${range[1]}`);
  return number;
}
