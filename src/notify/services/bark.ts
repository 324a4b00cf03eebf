// Bark (iOS push, github.com/Finb/Bark): bark://:DEVICEKEY@HOST[:PORT][/PATH] posts JSON
// {device_key, body, title?, sound?, badge?, icon?, group?, url?, category?, copy?} to
// https://HOST[:PORT]/PATH/push (bark-server's push endpoint); scheme=http reaches a server
// without TLS. bark-server answers {"code":200,…} and puts the failure reason in `message`.

import { DeliveryError } from '../delivery-error.ts';
import type { Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { decode, JSON_CONTENT, readInt, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

const OPTIONS = ['title', 'sound', 'badge', 'icon', 'group', 'url', 'category', 'copy', 'scheme'];

export function parseBarkUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(url, 'bark', OPTIONS);
  const deviceKey = decode(url.password);
  if (deviceKey === '') throw new UrlProblem('bark: the device key (password part, bark://:KEY@host) is missing');
  if (url.hostname === '') throw new UrlProblem('bark: the server host is missing: bark://:KEY@host[/path]');
  const scheme = (query.get('scheme') ?? 'https').toLowerCase();
  if (scheme !== 'https' && scheme !== 'http') throw new UrlProblem('bark: option "scheme" must be http or https');
  const badge = readInt(query, 'badge', 'bark', [0, 99_999]);
  const extra: Record<string, string | number> = badge ? { badge } : {};
  for (const key of ['title', 'sound', 'icon', 'group', 'url', 'category', 'copy']) {
    const value = query.get(key);
    if (value) extra[key] = value;
  }
  const path = url.pathname.replace(/\/+$/, '');
  const postUrl = `${scheme}://${url.host}${path}/push`;

  return [
    {
      service: 'bark',
      target: `bark ${url.host}`,
      async send(message) {
        const body = { device_key: deviceKey, body: message.text, ...extra };
        const response = await context.transport.request({
          method: 'POST',
          url: postUrl,
          headers: { 'Content-Type': JSON_CONTENT },
          body: JSON.stringify(body),
        });
        const errorText = (b: string) => {
          const m = jsonField(b, 'message');
          return typeof m === 'string' ? m : undefined;
        };
        checkResponse(response, { now: context.now(), errorText });
        const code = jsonField(response.body, 'code');
        if (code !== 200)
          throw new DeliveryError(`bark error: ${errorText(response.body) ?? `code ${String(code)}`}`, {
            retryable: typeof code === 'number' && code >= 500,
          });
      },
    },
  ];
}
