// Pushbullet: pushbullet://TOKEN[/DEVICE/#CHANNEL/EMAIL] creates a note push per target with
// POST https://api.pushbullet.com/v2/pushes, `Access-Token: TOKEN` and JSON {type:"note", title,
// body} plus device_iden, channel_tag or email. Without targets the push goes to all of the
// account's devices. "#" starts a URL fragment, so a channel is written %23name (or as the
// fragment). Each target is its own notifier, so a retry never repeats a push elsewhere.

import type { Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { decode, JSON_CONTENT, pathParts, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

const POST_URL = 'https://api.pushbullet.com/v2/pushes';

export function parsePushbulletUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(url, 'pushbullet', ['title']);
  const token = decode(url.hostname);
  // shoutrrr checks the length of the access tokens Pushbullet issues ("o." and 32 characters).
  if (token.length !== 34) throw new UrlProblem('pushbullet: the access token (the host part) must be 34 characters');
  const targets = pathParts(url);
  if (url.hash.length > 1) targets.push(`#${decode(url.hash.slice(1))}`);
  const title = query.get('title') ?? 'kreboot';
  const headers = { 'Content-Type': JSON_CONTENT, 'Access-Token': token };
  const fields = targets.length === 0 ? [{}] : targets.map(targetField);

  return fields.map((field): Notifier => ({
    service: 'pushbullet',
    target: `pushbullet ${Object.values(field)[0] ?? 'all devices'}`,
    async send(message) {
      const body = { type: 'note', title, body: message.text, ...field };
      const response = await context.transport.request({ method: 'POST', url: POST_URL, headers, body: JSON.stringify(body) });
      checkResponse(response, {
        now: context.now(),
        errorText: (b) => {
          const m = jsonField(b, 'error', 'message');
          return typeof m === 'string' ? m : undefined;
        },
      });
    },
  }));
}

function targetField(target: string): Record<string, string> {
  if (target.startsWith('#')) return { channel_tag: target.slice(1) };
  if (target.includes('@')) return { email: target };
  return { device_iden: target };
}
