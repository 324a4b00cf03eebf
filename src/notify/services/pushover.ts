// Pushover: pushover://shoutrrr:APITOKEN@USERKEY/?devices=a,b&title=…&priority=… posts a form to
// https://api.pushover.net/1/messages.json (token, user, message, title?, priority?, device?).
// Pushover answers {"status":1} on success and a 4xx with {"status":0,"errors":[…]} otherwise.
// shoutrrr sends one request per device; one request naming every device (Pushover takes a
// comma-separated list) delivers the same and cannot half-succeed.

import { DeliveryError } from '../delivery-error.ts';
import type { Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { decode, FORM_CONTENT, readInt, readList, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

const KEY = /^[A-Za-z0-9]{30}$/;
const POST_URL = 'https://api.pushover.net/1/messages.json';

export function parsePushoverUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(url, 'pushover', ['devices', 'title', 'priority']);
  const token = decode(url.password);
  const user = url.hostname;
  if (!KEY.test(token))
    throw new UrlProblem('pushover: the API token (the password, pushover://shoutrrr:TOKEN@USERKEY) must be 30 letters or digits');
  // A non-special scheme keeps the host's case, so the mixed-case user key arrives intact.
  if (!KEY.test(user)) throw new UrlProblem('pushover: the user key (after @) must be 30 letters or digits');
  // Priority 2 (emergency) needs retry and expire parameters shoutrrr does not pass either.
  const priority = readInt(query, 'priority', 'pushover', [-2, 1]);
  const devices = readList(query, 'devices');
  const title = query.get('title');
  const base: Record<string, string> = {
    token,
    user,
    ...(title ? { title } : {}),
    ...(priority === undefined ? {} : { priority: String(priority) }),
    ...(devices.length > 0 ? { device: devices.join(',') } : {}),
  };

  return [
    {
      service: 'pushover',
      target: `pushover${devices.length > 0 ? ` devices ${devices.join(',')}` : ''}`,
      async send(message) {
        const body = new URLSearchParams({ ...base, message: message.text }).toString();
        const response = await context.transport.request({
          method: 'POST',
          url: POST_URL,
          headers: { 'Content-Type': FORM_CONTENT },
          body,
        });
        checkResponse(response, { now: context.now(), errorText: errorsOf });
        if (jsonField(response.body, 'status') !== 1)
          throw new DeliveryError(`pushover error: ${errorsOf(response.body) ?? 'unexpected answer'}`, { retryable: false });
      },
    },
  ];
}

function errorsOf(body: string): string | undefined {
  const errors = jsonField(body, 'errors');
  return Array.isArray(errors) ? errors.map(String).join('; ') : undefined;
}
