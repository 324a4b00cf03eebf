// Slack: incoming webhooks (POST https://hooks.slack.com/services/T/B/X, answer "ok") and the
// Web API's chat.postMessage with a bot token (Bearer auth, answer {"ok":true}). URL forms follow
// shoutrrr: slack://hook:T-B-X@webhook, the legacy slack://[botname@]T/B/X, and
// slack://xoxb:TOKEN@CHANNEL. kured's --slack-hook-url is the webhook form with --slack-username and
// --slack-channel really put in the payload.

import { DeliveryError } from '../delivery-error.ts';
import type { Message, Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { decode, iconFields, JSON_CONTENT, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

// shoutrrr's token pattern: an optional type (hook or xox?) and three parts with one separator kind.
// Not anchored, as shoutrrr v0.8's is not: kured users paste slack://hooks.slack.com/services/T/B/X,
// whose token shoutrrr finds inside the host and path, and that form must keep working.
const TOKEN = /(?:(xox.|hook)[-:]|:?)([A-Z0-9]{9,})([-/,])([A-Z0-9]{9,})([-/,])([A-Za-z0-9]{24,})/;
const WEBHOOK_BASE = 'https://hooks.slack.com/services/';
const POST_MESSAGE = 'https://slack.com/api/chat.postMessage';

interface SlackOptions {
  readonly username?: string | undefined;
  readonly channel?: string | undefined;
  readonly icon?: string | undefined;
  readonly title?: string | undefined;
  readonly threadTs?: string | undefined;
}

export function parseSlackUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(
    url,
    'slack',
    ['botname', 'username', 'icon', 'icon_emoji', 'icon_url', 'title', 'channel', 'thread_ts'],
    ['color'],
  );
  const legacy = url.pathname.length > 1;
  const raw = legacy ? url.hostname + decode(url.pathname) : `${decode(url.username)}:${decode(url.password)}`;
  const match = TOKEN.exec(raw);
  if (!match) {
    throw new UrlProblem(
      'slack: the token is not in a form Slack issues; use slack://hook:T…-B…-…@webhook (webhook token parts) or slack://xoxb:…@CHANNEL (bot token)',
    );
  }
  const [, type = 'hook', a, sep1, b, sep2, c] = match;
  if (sep1 !== sep2) throw new UrlProblem('slack: the token parts use different separators');
  const options: SlackOptions = {
    username: query.get('botname') ?? query.get('username') ?? (legacy ? decode(url.username) || undefined : undefined),
    channel: query.get('channel') ?? (legacy || url.hostname === 'webhook' ? undefined : url.hostname),
    icon: query.get('icon') ?? query.get('icon_emoji') ?? query.get('icon_url'),
    title: query.get('title'),
    threadTs: query.get('thread_ts'),
  };
  if (type === 'hook') return [slackWebhook(`${WEBHOOK_BASE}${a}/${b}/${c}`, options, context)];
  if (!options.channel) throw new UrlProblem('slack: a bot token needs a channel: slack://xoxb:TOKEN@CHANNEL');
  return [slackBot(`${type}-${a}-${b}-${c}`, options, context)];
}

/** kured's --slack-hook-url, with --slack-username and --slack-channel applied. */
export function parseSlackHookUrl(raw: string, username: string, channel: string, context: ServiceContext): Notifier {
  if (!raw.startsWith(WEBHOOK_BASE)) throw new UrlProblem(`must start with ${WEBHOOK_BASE}`);
  const parts = raw.slice(WEBHOOK_BASE.length).replace(/\/+$/, '').split('/');
  if (parts.length !== 3 || !TOKEN.test(parts.join('/'))) {
    throw new UrlProblem(`expected ${WEBHOOK_BASE}T…/B…/… with the three parts Slack issues`);
  }
  return slackWebhook(WEBHOOK_BASE + parts.join('/'), { username: username || undefined, channel: channel || undefined }, context);
}

function payload(message: Message, options: SlackOptions): Record<string, unknown> {
  const text = options.title ? `*${options.title}*\n${message.text}` : message.text;
  return {
    text,
    ...(options.channel ? { channel: options.channel } : {}),
    ...(options.username ? { username: options.username } : {}),
    ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
    ...iconFields(options.icon),
  };
}

function slackWebhook(hookUrl: string, options: SlackOptions, context: ServiceContext): Notifier {
  return {
    service: 'slack',
    target: `slack webhook${options.channel ? ` to ${options.channel}` : ''}`,
    async send(message) {
      const response = await context.transport.request({
        method: 'POST',
        url: hookUrl,
        headers: { 'Content-Type': JSON_CONTENT },
        body: JSON.stringify(payload(message, options)),
      });
      // Webhooks answer "ok"; errors are short strings such as invalid_payload or channel_not_found.
      checkResponse(response, { now: context.now() });
    },
  };
}

function slackBot(token: string, options: SlackOptions, context: ServiceContext): Notifier {
  return {
    service: 'slack',
    target: `slack channel ${options.channel ?? ''}`,
    async send(message) {
      const response = await context.transport.request({
        method: 'POST',
        url: POST_MESSAGE,
        headers: { 'Content-Type': JSON_CONTENT, Authorization: `Bearer ${token}` },
        body: JSON.stringify(payload(message, options)),
      });
      checkResponse(response, { now: context.now(), errorText: (body) => stringOrUndefined(jsonField(body, 'error')) });
      // The Web API answers 200 with {"ok":false,"error":"..."} for most failures.
      if (jsonField(response.body, 'ok') !== true) {
        const error = stringOrUndefined(jsonField(response.body, 'error')) ?? 'unexpected answer';
        throw new DeliveryError(`slack API error: ${error}`, {
          retryable: error === 'ratelimited' || error === 'internal_error' || error === 'fatal_error',
        });
      }
    },
  };
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
