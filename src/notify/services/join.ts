// Join (joaoapps.com/join): join://shoutrrr:APIKEY@join/?devices=a,b[&title=…][&icon=…] calls
// Join's sendPush, https://joinjoaomgcd.appspot.com/_ah/api/messaging/v1/sendPush, with everything
// in the query (apikey, deviceIds, text, title?, icon?) as shoutrrr does, by POST with no body.
// Join answers 200 with {"success":false,"errorMessage":…} for a bad key or device.

import { DeliveryError } from '../delivery-error.ts';
import type { Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { decode, readList, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

const SEND_PUSH = 'https://joinjoaomgcd.appspot.com/_ah/api/messaging/v1/sendPush';

export function parseJoinUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(url, 'join', ['devices', 'title', 'icon']);
  const apiKey = decode(url.password);
  if (apiKey === '') throw new UrlProblem('join: the API key (password part, join://shoutrrr:KEY@join) is missing');
  const devices = readList(query, 'devices');
  if (devices.length === 0) throw new UrlProblem('join: option "devices" is required (device IDs, comma-separated)');
  const title = query.get('title');
  const icon = query.get('icon');

  return [
    {
      service: 'join',
      target: `join devices ${devices.length}`,
      async send(message) {
        const params = new URLSearchParams({
          deviceIds: devices.join(','),
          apikey: apiKey,
          text: message.text,
          ...(title ? { title } : {}),
          ...(icon ? { icon } : {}),
        });
        const response = await context.transport.request({
          method: 'POST',
          url: `${SEND_PUSH}?${params.toString()}`,
          headers: { 'Content-Type': 'text/plain' },
          body: '',
        });
        const errorText = (b: string) => {
          const m = jsonField(b, 'errorMessage');
          return typeof m === 'string' ? m : undefined;
        };
        checkResponse(response, { now: context.now(), errorText });
        if (jsonField(response.body, 'success') === false)
          throw new DeliveryError(`join error: ${errorText(response.body) ?? 'unexpected answer'}`, { retryable: false });
      },
    },
  ];
}
