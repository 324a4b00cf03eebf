// Microsoft Teams incoming webhooks (Office 365 connector). shoutrrr's current form is
// teams://GROUP@TENANT/ALTID/GROUPOWNER/EXTRAID?host=ORG.webhook.office.com, posting a legacy
// MessageCard (which needs `text` or `summary`) to
// https://HOST/webhookb2/GROUP@TENANT/IncomingWebhook/ALTID/GROUPOWNER/EXTRAID. shoutrrr v0.8,
// which kured uses, has no EXTRAID (Microsoft added that part to connector URLs later); such a URL
// is posted to as v0.8 did, so a kured URL keeps whatever delivery it had.

import { DeliveryError } from '../delivery-error.ts';
import type { Notifier } from '../notifier.ts';
import { checkResponse } from '../response-check.ts';
import { decode, JSON_CONTENT, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

const UUID = /^[0-9a-f-]{36}$/i;
const HASH = /^[0-9a-z]{32}$/i;

export function parseTeamsUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(url, 'teams', ['host', 'title', 'color']);
  if (url.password !== '')
    throw new UrlProblem(
      'teams: the legacy URL form (outlook.office.com) is no longer served by Microsoft; use teams://GROUP@TENANT/ALTID/GROUPOWNER/EXTRAID?host=ORG.webhook.office.com',
    );
  const group = decode(url.username);
  const tenant = url.hostname;
  const [altId = '', groupOwner = '', extraId = ''] = url.pathname.replace(/^\//, '').split('/').map(decode);
  if (!UUID.test(group)) throw new UrlProblem('teams: the group ID (before @) must be a 36-character UUID');
  if (!UUID.test(tenant)) throw new UrlProblem('teams: the tenant ID (after @) must be a 36-character UUID');
  if (!HASH.test(altId)) throw new UrlProblem('teams: the first path part (altId) must be 32 letters or digits');
  if (!UUID.test(groupOwner)) throw new UrlProblem('teams: the second path part (groupOwner) must be a 36-character UUID');
  const host = query.get('host') ?? '';
  if (!/^[a-z0-9.-]+(:\d+)?$/i.test(host))
    throw new UrlProblem('teams: the "host" option is required, e.g. host=contoso.webhook.office.com');
  const title = query.get('title');
  const color = query.get('color');
  const postUrl = `https://${host}/webhookb2/${group}@${tenant}/IncomingWebhook/${altId}/${groupOwner}${extraId === '' ? '' : `/${encodeURIComponent(extraId)}`}`;

  return [
    {
      service: 'teams',
      target: `teams ${host}`,
      async send(message) {
        const card = {
          '@type': 'MessageCard',
          '@context': 'https://schema.org/extensions',
          summary: title ?? message.text.slice(0, 80),
          text: message.text,
          ...(title ? { title } : {}),
          ...(color ? { themeColor: color.replace(/^#/, '') } : {}),
        };
        const response = await context.transport.request({
          method: 'POST',
          url: postUrl,
          headers: { 'Content-Type': JSON_CONTENT },
          body: JSON.stringify(card),
        });
        checkResponse(response, { now: context.now() });
        // Connectors have been seen answering 200 with an error text (throttling included) instead of a status.
        if (/failed|error/i.test(response.body)) {
          throw new DeliveryError(`teams error: ${response.body.slice(0, 120)}`, { retryable: /429|throttl/i.test(response.body) });
        }
      },
    },
  ];
}
