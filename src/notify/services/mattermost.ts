// Mattermost incoming webhooks: mattermost://[USER@]HOST[:PORT]/TOKEN[/CHANNEL] becomes
// POST https://HOST[:PORT]/hooks/TOKEN with JSON {text, username?, channel?, icon_url|icon_emoji?}.
// shoutrrr's disabletls=yes selects plain http (for a server inside the cluster).

import type { Notifier } from '../notifier.ts';
import { checkResponse } from '../response-check.ts';
import { decode, iconFields, JSON_CONTENT, readBool, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

export function parseMattermostUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(url, 'mattermost', ['icon', 'icon_emoji', 'icon_url', 'title', 'disabletls']);
  if (url.hostname === '') throw new UrlProblem('mattermost: the server host is missing: mattermost://[user@]host[:port]/token[/channel]');
  // Path parts after the channel are ignored, as shoutrrr v0.8 ignores them.
  const [token = '', channel = ''] = url.pathname
    .replace(/^\/|\/$/g, '')
    .split('/')
    .map(decode);
  if (token === '') throw new UrlProblem('mattermost: the webhook token (first path part) is missing');
  const scheme = readBool(query, 'disabletls', 'mattermost', false) ? 'http' : 'https';
  const username = decode(url.username);
  const icon = query.get('icon') ?? query.get('icon_emoji') ?? query.get('icon_url');
  const title = query.get('title');
  const postUrl = `${scheme}://${url.host}/hooks/${encodeURIComponent(token)}`;

  return [
    {
      service: 'mattermost',
      target: `mattermost ${url.host}${channel ? ` channel ${channel}` : ''}`,
      async send(message) {
        const body = {
          text: title ? `#### ${title}\n${message.text}` : message.text,
          ...(username ? { username } : {}),
          ...(channel ? { channel } : {}),
          ...iconFields(icon),
        };
        const response = await context.transport.request({
          method: 'POST',
          url: postUrl,
          headers: { 'Content-Type': JSON_CONTENT },
          body: JSON.stringify(body),
        });
        checkResponse(response, { now: context.now() });
      },
    },
  ];
}
