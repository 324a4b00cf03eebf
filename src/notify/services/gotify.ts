// Gotify: gotify://HOST[:PORT][/PATH]/TOKEN posts JSON {message, title, priority} to
// https://HOST[:PORT][/PATH]/message?token=TOKEN, the application token in the query as shoutrrr
// sends it. disabletls=yes reaches a server without TLS. Gotify's application tokens are 15
// characters starting with "A" (gotify/server auth/token.go), checked here as shoutrrr does.

import type { Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { JSON_CONTENT, pathParts, readBool, readInt, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

const TOKEN = /^A[A-Za-z0-9._-]{14}$/;

export function parseGotifyUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(url, 'gotify', ['title', 'priority', 'disabletls']);
  if (url.hostname === '') throw new UrlProblem('gotify: the server host is missing: gotify://host[:port][/path]/token');
  const parts = pathParts(url);
  const token = parts.pop() ?? '';
  if (!TOKEN.test(token)) throw new UrlProblem('gotify: the application token (last path part) must be 15 characters starting with "A"');
  const scheme = readBool(query, 'disabletls', 'gotify', false) ? 'http' : 'https';
  const priority = readInt(query, 'priority', 'gotify', [0, 10], 0);
  const title = query.get('title') ?? 'kreboot';
  const base = `${scheme}://${url.host}${parts.map((p) => `/${encodeURIComponent(p)}`).join('')}`;
  const postUrl = `${base}/message?token=${encodeURIComponent(token)}`;

  return [
    {
      service: 'gotify',
      target: `gotify ${url.host}`,
      async send(message) {
        const body = { message: message.text, title, priority };
        const response = await context.transport.request({
          method: 'POST',
          url: postUrl,
          headers: { 'Content-Type': JSON_CONTENT },
          body: JSON.stringify(body),
        });
        checkResponse(response, { now: context.now(), errorText: (b) => stringField(b, 'errorDescription') ?? stringField(b, 'error') });
      },
    },
  ];
}

function stringField(body: string, key: string): string | undefined {
  const value = jsonField(body, key);
  return typeof value === 'string' ? value : undefined;
}
