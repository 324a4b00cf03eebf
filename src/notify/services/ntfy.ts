// ntfy: ntfy://[USER:PASS@]HOST[:PORT]/TOPIC publishes the message as the plain-text body of
// POST https://HOST/TOPIC, with every option shoutrrr v0.8 reads as ntfy's headers (Title,
// Priority, Tags, Actions, Click, Attach, Filename, Delay — also as `at` or `in` —, Email, Icon,
// Cache, Firebase). USER:PASS is Basic auth (a user alone too, with an empty password, as shoutrrr
// sends it); a password alone (ntfy://:TOKEN@host/topic) is an access token, sent as Bearer. shoutrrr's scheme=http reaches a server without TLS; the host
// defaults to ntfy.sh.

import type { Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { assertHeaderSafe, decode, readBool, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

const PRIORITIES = /^([1-5]|min|low|default|high|max|urgent)$/i;

export function parseNtfyUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(url, 'ntfy', [
    'title',
    'priority',
    'tags',
    'actions',
    'click',
    'attach',
    'filename',
    'delay',
    'at',
    'in',
    'email',
    'icon',
    'cache',
    'firebase',
    'scheme',
  ]);
  const topic = decode(url.pathname.replace(/^\/|\/$/g, ''));
  if (topic === '') throw new UrlProblem('ntfy: the topic is missing: ntfy://[user:pass@]host/topic');
  if (!/^[-_A-Za-z0-9]{1,64}$/.test(topic)) throw new UrlProblem('ntfy: the topic may only have letters, digits, - and _ (at most 64)');
  const scheme = (query.get('scheme') ?? 'https').toLowerCase();
  if (scheme !== 'https' && scheme !== 'http') throw new UrlProblem('ntfy: option "scheme" must be http or https');
  const priority = query.get('priority');
  if (priority !== undefined && !PRIORITIES.test(priority))
    throw new UrlProblem('ntfy: priority must be 1-5 or min, low, default, high, max');
  const headers: Record<string, string> = { 'Content-Type': 'text/plain; charset=utf-8' };
  for (const [key, header] of [
    ['title', 'Title'],
    ['priority', 'Priority'],
    ['tags', 'Tags'],
    ['actions', 'Actions'],
    ['click', 'Click'],
    ['attach', 'Attach'],
    ['filename', 'Filename'],
    ['delay', 'Delay'],
    ['at', 'Delay'],
    ['in', 'Delay'],
    ['email', 'Email'],
    ['icon', 'Icon'],
  ] as const) {
    const value = query.get(key);
    if (value === undefined || value === '') continue;
    assertHeaderSafe(value, `ntfy: option "${key}"`);
    headers[header] = value;
  }
  if (!readBool(query, 'cache', 'ntfy', true)) headers.Cache = 'no';
  if (!readBool(query, 'firebase', 'ntfy', true)) headers.Firebase = 'no';
  const username = decode(url.username);
  const password = decode(url.password);
  if (username !== '' || password !== '') {
    headers.Authorization = username === '' ? `Bearer ${password}` : `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
  const host = url.host || 'ntfy.sh';
  const postUrl = `${scheme}://${host}/${topic}`;

  return [
    {
      service: 'ntfy',
      // The topic is the secret on public servers: show the host only.
      target: `ntfy ${host}`,
      async send(message) {
        const response = await context.transport.request({ method: 'POST', url: postUrl, headers, body: message.text });
        checkResponse(response, {
          now: context.now(),
          errorText: (b) => {
            const e = jsonField(b, 'error');
            return typeof e === 'string' ? e : undefined;
          },
        });
      },
    },
  ];
}
