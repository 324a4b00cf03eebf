// Generic webhook, shoutrrr style: generic+https://HOST/PATH (or generic://HOST/PATH, https unless
// disabletls=yes). kreboot always uses shoutrrr's JSON template: the body is
// {"message": text, "title"?: …, …$extra fields, "event": {kind, node, reason, phase, durationMs, time}}.
// Reserved options (contenttype, disabletls, method, template, title, titlekey, messagekey) are
// consumed; "@Name=value" adds a header, "$key=value" a body field, "_key" forwards a reserved key
// and any other query option is forwarded to the target URL.

import type { Notifier } from '../notifier.ts';
import { checkResponse } from '../response-check.ts';
import { assertHeaderSafe, readBool, UrlProblem, type ServiceContext } from './url-parts.ts';

const RESERVED = ['contenttype', 'disabletls', 'method', 'template', 'title', 'titlekey', 'messagekey'];

export function parseGenericUrl(url: URL, context: ServiceContext): Notifier[] {
  const reserved = new Map<string, string>();
  const headers: Record<string, string> = {};
  const extra: Record<string, string> = {};
  const forwarded = new URLSearchParams();
  for (const [key, value] of url.searchParams) {
    if (key.startsWith('@') && key.length > 1) {
      assertHeaderSafe(value, `generic: header "${key.slice(1)}"`);
      headers[headerName(key.slice(1))] = value;
    } else if (key.startsWith('$') && key.length > 1) extra[key.slice(1)] = value;
    else if (RESERVED.includes(key.toLowerCase())) reserved.set(key.toLowerCase(), value);
    else forwarded.append(key.startsWith('_') ? key.slice(1) : key, value);
  }
  const template = reserved.get('template') ?? '';
  if (template !== '' && template.toLowerCase() !== 'json')
    throw new UrlProblem('generic: only the JSON template is supported (template=json, the default here)');
  const method = (reserved.get('method') ?? 'POST').toUpperCase();
  if (method !== 'POST' && method !== 'PUT') throw new UrlProblem('generic: method must be POST or PUT');
  const contentType = reserved.get('contenttype') ?? 'application/json';
  assertHeaderSafe(contentType, 'generic: contenttype');
  const explicitScheme = url.protocol.startsWith('generic+') ? url.protocol.slice('generic+'.length, -1) : undefined;
  if (explicitScheme !== undefined && explicitScheme !== 'https' && explicitScheme !== 'http')
    throw new UrlProblem('generic: only generic+https:// and generic+http:// are supported');
  const scheme = explicitScheme ?? (readBool(reserved, 'disabletls', 'generic', false) ? 'http' : 'https');
  if (url.hostname === '') throw new UrlProblem('generic: the target host is missing');
  const query = forwarded.toString();
  const target = `${scheme}://${url.host}${url.pathname || '/'}${query ? `?${query}` : ''}`;
  const title = reserved.get('title');
  const titleKey = reserved.get('titlekey') ?? 'title';
  const messageKey = reserved.get('messagekey') ?? 'message';

  return [
    {
      service: 'generic',
      // The path and query may hold a token (many webhook URLs do): show the origin only.
      target: `generic ${scheme}://${url.host}`,
      async send(message) {
        const { event } = message;
        const body = {
          ...extra,
          ...(title ? { [titleKey]: title } : {}),
          [messageKey]: message.text,
          event: { ...event, time: new Date(message.at).toISOString() },
        };
        const response = await context.transport.request({
          method: method as 'POST' | 'PUT',
          url: target,
          headers: { 'Content-Type': contentType, Accept: contentType, ...headers },
          body: JSON.stringify(body),
        });
        checkResponse(response, { now: context.now() });
      },
    },
  ];
}

/** shoutrrr's header-name normalisation: "@authorization" → Authorization, "@XApiKey" → X-Api-Key. */
function headerName(key: string): string {
  let out = '';
  for (let i = 0; i < key.length; i++) {
    const c = key.charAt(i);
    const previous = i > 0 ? key.charAt(i - 1) : '';
    if (c >= 'A' && c <= 'Z') out += i > 0 && previous !== '-' ? `-${c}` : c;
    else out += i === 0 || previous === '-' ? c.toUpperCase() : c;
  }
  return out;
}
