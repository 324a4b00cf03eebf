// Telegram Bot API: telegram://BOTTOKEN@telegram?chats=@channel,12345[:thread] sends one
// POST https://api.telegram.org/bot<token>/sendMessage per chat with JSON {chat_id, text}. Each chat
// is its own notifier, so a retry for one chat never repeats the message in another. Text goes as
// plain text unless parsemode is given (kreboot's templates are not escaped for Markdown or HTML).

import type { Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { decode, JSON_CONTENT, readBool, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

const TOKEN = /^[0-9]+:[a-zA-Z0-9_-]+$/;
const PARSE_MODES = new Map([
  ['markdown', 'Markdown'],
  ['markdownv2', 'MarkdownV2'],
  ['html', 'HTML'],
]);

export function parseTelegramUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(url, 'telegram', ['chats', 'channels', 'notification', 'preview', 'parsemode', 'title']);
  const token = `${decode(url.username)}:${decode(url.password)}`;
  if (!TOKEN.test(token))
    throw new UrlProblem('telegram: the bot token must look like 123456:ABC-def (digits, a colon, then letters, digits, - or _)');
  const chats = (query.get('chats') ?? query.get('channels') ?? '')
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
  if (chats.length === 0) throw new UrlProblem('telegram: no chats given; add ?chats=@channel or ?chats=CHAT_ID (comma-separated)');
  for (const chat of chats) {
    if (!/^(@[A-Za-z0-9_]{4,}|-?\d+)(:\d+)?$/.test(chat))
      throw new UrlProblem(`telegram: "${chat}" is neither @channelname nor a numeric chat ID`);
  }
  const notification = readBool(query, 'notification', 'telegram', true);
  const preview = readBool(query, 'preview', 'telegram', true);
  const modeKey = (query.get('parsemode') ?? '').toLowerCase();
  const parseMode = modeKey === '' || modeKey === 'none' ? undefined : PARSE_MODES.get(modeKey);
  if (modeKey !== '' && modeKey !== 'none' && parseMode === undefined)
    throw new UrlProblem('telegram: parsemode must be None, Markdown, MarkdownV2 or HTML');
  const title = query.get('title');
  const postUrl = `https://api.telegram.org/bot${token}/sendMessage`;

  return chats.map((chat): Notifier => {
    const [chatId = chat, thread] = chat.split(':');
    return {
      service: 'telegram',
      target: `telegram chat ${chatId}`,
      async send(message) {
        const body = {
          chat_id: /^-?\d+$/.test(chatId) ? Number(chatId) : chatId,
          text: title ? `${title}\n${message.text}` : message.text,
          ...(thread ? { message_thread_id: Number(thread) } : {}),
          ...(parseMode ? { parse_mode: parseMode } : {}),
          ...(notification ? {} : { disable_notification: true }),
          ...(preview ? {} : { link_preview_options: { is_disabled: true } }),
        };
        const response = await context.transport.request({
          method: 'POST',
          url: postUrl,
          headers: { 'Content-Type': JSON_CONTENT },
          body: JSON.stringify(body),
        });
        checkResponse(response, {
          now: context.now(),
          // Flood control: {"ok":false,"error_code":429,"parameters":{"retry_after":N}}.
          bodyRetryAfterSeconds: (b) => {
            const v = jsonField(b, 'parameters', 'retry_after');
            return typeof v === 'number' ? v : undefined;
          },
          errorText: (b) => {
            const d = jsonField(b, 'description');
            return typeof d === 'string' ? d : undefined;
          },
        });
      },
    };
  });
}
