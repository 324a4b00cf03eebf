// Google Chat incoming webhooks: googlechat://chat.googleapis.com/v1/spaces/SPACE/messages?key=…&token=…
// is the webhook URL with its scheme swapped, and posts JSON {text} to it over https. shoutrrr
// v0.8 also reads the older name hangouts:// the same way.

import type { Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { JSON_CONTENT, readQueryLeniently, UrlProblem, type ServiceContext } from './url-parts.ts';

export function parseGooglechatUrl(url: URL, context: ServiceContext): Notifier[] {
  // shoutrrr v0.8 reads key and token and ignores any other option; all are passed on to Google.
  const query = readQueryLeniently(url);
  if (url.hostname === '')
    throw new UrlProblem('googlechat: the host is missing: googlechat://chat.googleapis.com/v1/spaces/SPACE/messages?key=…&token=…');
  if (!/^\/v1\/spaces\/[^/]+\/messages$/.test(url.pathname))
    throw new UrlProblem('googlechat: the path must be /v1/spaces/SPACE/messages, as in the webhook URL');
  const key = query.get('key') ?? '';
  const token = query.get('token') ?? '';
  if (key === '' || token === '') throw new UrlProblem('googlechat: the webhook URL\'s "key" and "token" options are both required');
  // Query names keep the case Google documents (threadKey, messageReplyOption).
  const params = new URLSearchParams(url.search);
  const postUrl = `https://${url.host}${url.pathname}?${params.toString()}`;

  return [
    {
      service: 'googlechat',
      target: `googlechat ${url.host}`,
      async send(message) {
        const response = await context.transport.request({
          method: 'POST',
          url: postUrl,
          headers: { 'Content-Type': JSON_CONTENT },
          body: JSON.stringify({ text: message.text }),
        });
        checkResponse(response, {
          now: context.now(),
          errorText: (b) => {
            const m = jsonField(b, 'error', 'message');
            return typeof m === 'string' ? m : undefined;
          },
        });
      },
    },
  ];
}
