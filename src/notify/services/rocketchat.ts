// Rocket.Chat incoming webhooks: rocketchat://[USER@]HOST[:PORT]/TOKENA/TOKENB[/CHANNEL|/@USER]
// posts JSON {text, username?, channel?} to https://HOST[:PORT]/hooks/TOKENA/TOKENB (the webhook
// URL Rocket.Chat shows, as shoutrrr splits it). A channel without "@" gets shoutrrr's "#".
// Rocket.Chat answers {"success":true}, or {"success":false,"error":…} with a 4xx.

import { DeliveryError } from '../delivery-error.ts';
import type { Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { decode, JSON_CONTENT, pathParts, UrlProblem, type ServiceContext } from './url-parts.ts';

export function parseRocketchatUrl(url: URL, context: ServiceContext): Notifier[] {
  // shoutrrr v0.8 reads no query option for Rocket.Chat and ignores path parts after the channel: so does kreboot.
  if (url.hostname === '')
    throw new UrlProblem('rocketchat: the server host is missing: rocketchat://[user@]host[:port]/tokenA/tokenB[/channel]');
  const parts = pathParts(url);
  // People paste the webhook path as Rocket.Chat shows it (/hooks/A/B); shoutrrr's docs do too.
  if (parts[0] === 'hooks' && parts.length >= 3) parts.shift();
  const [tokenA = '', tokenB = '', channelPart] = parts;
  if (tokenA === '' || tokenB === '')
    throw new UrlProblem('rocketchat: the webhook token is two path parts: rocketchat://host/tokenA/tokenB');
  const fragment = decode(url.hash.replace(/^#/, ''));
  const channel =
    fragment !== ''
      ? `#${fragment}`
      : channelPart === undefined
        ? undefined
        : channelPart.startsWith('@')
          ? channelPart
          : `#${channelPart}`;
  const username = decode(url.username);
  const postUrl = `https://${url.host}/hooks/${encodeURIComponent(tokenA)}/${encodeURIComponent(tokenB)}`;

  return [
    {
      service: 'rocketchat',
      target: `rocketchat ${url.host}${channel ? ` ${channel}` : ''}`,
      async send(message) {
        const body = { text: message.text, ...(username ? { username } : {}), ...(channel ? { channel } : {}) };
        const response = await context.transport.request({
          method: 'POST',
          url: postUrl,
          headers: { 'Content-Type': JSON_CONTENT },
          body: JSON.stringify(body),
        });
        const errorText = (b: string) => {
          const e = jsonField(b, 'error');
          return typeof e === 'string' ? e : undefined;
        };
        checkResponse(response, { now: context.now(), errorText });
        if (jsonField(response.body, 'success') === false)
          throw new DeliveryError(`rocketchat error: ${errorText(response.body) ?? 'unexpected answer'}`, { retryable: false });
      },
    },
  ];
}
