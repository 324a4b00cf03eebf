// Discord: execute a webhook. discord://TOKEN@WEBHOOKID becomes
// POST https://discord.com/api/webhooks/WEBHOOKID/TOKEN with a JSON body that has `content`
// (at most 2000 characters). 429 answers carry Retry-After and a JSON `retry_after` in seconds.

import type { Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { decode, JSON_CONTENT, readBool, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

const CONTENT_LIMIT = 2000;

export function parseDiscordUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(
    url,
    'discord',
    ['username', 'avatar', 'avatarurl', 'thread_id', 'title', 'json'],
    ['color', 'colorerror', 'colorwarn', 'colorinfo', 'colordebug', 'splitlines'],
  );
  // json=yes made shoutrrr post the message itself as the JSON payload, which a text never is.
  if (readBool(query, 'json', 'discord', false))
    throw new UrlProblem('discord: json=yes (the message as the raw JSON payload) is not supported; kreboot writes the message itself');
  if (url.pathname === '/raw')
    throw new UrlProblem('discord: the /raw (JSON message) form is not supported; kreboot writes the message itself');
  if (url.pathname !== '') throw new UrlProblem('discord: unexpected path after the webhook ID; the form is discord://TOKEN@WEBHOOKID');
  const webhookId = url.hostname;
  const token = decode(url.username);
  if (!/^\d+$/.test(webhookId)) throw new UrlProblem('discord: the webhook ID (after @) must be the number from the webhook URL');
  if (token === '') throw new UrlProblem('discord: the webhook token (before @) is missing');
  const threadId = query.get('thread_id');
  if (threadId !== undefined && !/^\d+$/.test(threadId)) throw new UrlProblem('discord: thread_id must be a number');
  const username = query.get('username');
  const avatar = query.get('avatar') ?? query.get('avatarurl');
  const title = query.get('title');
  const postUrl = `https://discord.com/api/webhooks/${webhookId}/${encodeURIComponent(token)}${threadId ? `?thread_id=${threadId}` : ''}`;

  return [
    {
      service: 'discord',
      target: `discord webhook ${webhookId}`,
      async send(message) {
        const text = title ? `**${title}**\n${message.text}` : message.text;
        const body = {
          content: text.length > CONTENT_LIMIT ? `${text.slice(0, CONTENT_LIMIT - 1)}…` : text,
          ...(username ? { username } : {}),
          ...(avatar ? { avatar_url: avatar } : {}),
        };
        const response = await context.transport.request({
          method: 'POST',
          url: postUrl,
          headers: { 'Content-Type': JSON_CONTENT },
          body: JSON.stringify(body),
        });
        checkResponse(response, {
          now: context.now(),
          bodyRetryAfterSeconds: (b) => numberOrUndefined(jsonField(b, 'retry_after')),
          errorText: (b) => {
            const m = jsonField(b, 'message');
            return typeof m === 'string' ? m : undefined;
          },
        });
      },
    },
  ];
}

function numberOrUndefined(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}
