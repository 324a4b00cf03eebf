// Zulip: zulip://BOTMAIL:BOTKEY@DOMAIN/?stream=NAME&topic=NAME (the bot's e-mail with "@" written
// as %40) posts a form to https://DOMAIN/api/v1/messages with Basic auth (mail and API key):
// type=stream, to, topic, content. Zulip caps a topic at 60 characters and content at 10000
// bytes (shoutrrr checks both); its answers are {"result":"success"|"error","msg":…}.

import type { Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { decode, FORM_CONTENT, readQueryLeniently, UrlProblem, type ServiceContext } from './url-parts.ts';

const TOPIC_MAX = 60;
const CONTENT_MAX_BYTES = 10_000;

export function parseZulipUrl(url: URL, context: ServiceContext): Notifier[] {
  // shoutrrr v0.8 reads stream and topic and ignores any other option.
  const query = readQueryLeniently(url);
  const mail = decode(url.username);
  const key = decode(url.password);
  if (!/^[^@\s]+@[^@\s]+$/.test(mail))
    throw new UrlProblem('zulip: the bot e-mail (user part, with @ written as %40) is missing or malformed');
  if (key === '') throw new UrlProblem('zulip: the bot API key (password part) is missing');
  if (url.hostname === '') throw new UrlProblem('zulip: the Zulip domain is missing: zulip://mail:key@domain/?stream=…');
  const stream = query.get('stream') ?? '';
  if (stream === '') throw new UrlProblem('zulip: option "stream" is required (a channel name or ID)');
  const topic = query.get('topic') || 'kreboot';
  if ([...topic].length > TOPIC_MAX) throw new UrlProblem(`zulip: the topic may have at most ${TOPIC_MAX} characters`);
  const authorization = `Basic ${Buffer.from(`${mail}:${key}`).toString('base64')}`;
  const postUrl = `https://${url.host}/api/v1/messages`;

  return [
    {
      service: 'zulip',
      target: `zulip ${url.host} stream ${stream}`,
      async send(message) {
        let content = message.text;
        while (Buffer.byteLength(content) > CONTENT_MAX_BYTES) content = content.slice(0, -100);
        const body = new URLSearchParams({ type: 'stream', to: stream, topic, content }).toString();
        const response = await context.transport.request({
          method: 'POST',
          url: postUrl,
          headers: { 'Content-Type': FORM_CONTENT, Authorization: authorization },
          body,
        });
        checkResponse(response, {
          now: context.now(),
          errorText: (b) => {
            const m = jsonField(b, 'msg');
            return typeof m === 'string' ? m : undefined;
          },
        });
      },
    },
  ];
}
