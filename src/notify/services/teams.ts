// Microsoft Teams incoming webhooks (Office 365 connector), in every form shoutrrr v0.8 (kured's
// sender) reads: the path form teams://GROUP@TENANT/ALTID/GROUPOWNER[/EXTRAID]?host=ORG.webhook.office.com,
// the older colon form teams://GROUP@TENANT:ALTID@GROUPOWNER?host=…, and (teams-workflows.ts) the
// connector's own URL behind teams+https://. Each posts a legacy MessageCard (which needs `text` or
// `summary`) to https://HOST/webhookb2/GROUP@TENANT/IncomingWebhook/ALTID/GROUPOWNER[/EXTRAID].
// shoutrrr v0.8 has no EXTRAID (Microsoft added that part to connector URLs later); a URL without
// it is posted to as v0.8 did, so a kured URL keeps whatever delivery it had. Like shoutrrr, each
// ID only has to contain an ID of its kind (its patterns are not anchored).

import { DeliveryError } from '../delivery-error.ts';
import type { Notifier } from '../notifier.ts';
import { checkResponse } from '../response-check.ts';
import { decode, JSON_CONTENT, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

const UUID = /[0-9a-f-]{36}/i;
const HASH = /[0-9a-z]{32}/i;
/** A connector's webhook path, as shoutrrr v0.8 finds it in a pasted URL (teams+https://…). */
export const CONNECTOR_PATH = /([0-9a-f-]{36})@([0-9a-f-]{36})\/[^/]+\/([0-9a-z]{32})\/([0-9a-f-]{36})(?:\/([^/?#]+))?/i;

export interface ConnectorParts {
  readonly group: string;
  readonly tenant: string;
  readonly altId: string;
  readonly groupOwner: string;
  readonly extraId: string;
}

export function parseTeamsUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(url, 'teams', ['host', 'title', 'color']);
  let parts: ConnectorParts;
  if (url.password !== '') {
    // The colon form: Go's URL parser (and WHATWG's) splits at the last "@", so the user part is
    // GROUP@TENANT, the password ALTID and the host GROUPOWNER.
    const [group = '', tenant = '', ...more] = decode(url.username).split('@');
    if (more.length > 0 || tenant === '') throw new UrlProblem('teams: the colon form is teams://GROUP@TENANT:ALTID@GROUPOWNER?host=…');
    parts = { group, tenant, altId: decode(url.password), groupOwner: url.hostname, extraId: '' };
  } else {
    const [altId = '', groupOwner = '', extraId = ''] = url.pathname.replace(/^\//, '').split('/').map(decode);
    parts = { group: decode(url.username), tenant: url.hostname, altId, groupOwner, extraId };
  }
  checkParts(parts);
  const host = query.get('host') ?? '';
  if (host === '' || /^outlook\.office\.com$/i.test(host))
    throw new UrlProblem(
      'teams: without host= shoutrrr posted to outlook.office.com, which Microsoft no longer serves; add host=ORG.webhook.office.com (the host of your webhook URL)',
    );
  if (!/^[a-z0-9.-]+(:\d+)?$/i.test(host))
    throw new UrlProblem('teams: the "host" option must be a host name, e.g. host=contoso.webhook.office.com');
  return [connectorNotifier(host, parts, query.get('title'), query.get('color'), context)];
}

function checkParts({ group, tenant, altId, groupOwner }: ConnectorParts): void {
  if (!UUID.test(group)) throw new UrlProblem('teams: the group ID (before the first @) must be a 36-character UUID');
  if (!UUID.test(tenant)) throw new UrlProblem('teams: the tenant ID (after the first @) must be a 36-character UUID');
  if (!HASH.test(altId)) throw new UrlProblem('teams: the altId (first path part, or the part after ":") must be 32 letters or digits');
  if (!UUID.test(groupOwner))
    throw new UrlProblem('teams: the groupOwner (second path part, or the host of the colon form) must be a 36-character UUID');
}

export function connectorNotifier(
  host: string,
  parts: ConnectorParts,
  title: string | undefined,
  color: string | undefined,
  context: ServiceContext,
): Notifier {
  const { group, tenant, altId, groupOwner, extraId } = parts;
  const postUrl = `https://${host}/webhookb2/${group}@${tenant}/IncomingWebhook/${altId}/${groupOwner}${extraId === '' ? '' : `/${encodeURIComponent(extraId)}`}`;
  return {
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
  };
}
