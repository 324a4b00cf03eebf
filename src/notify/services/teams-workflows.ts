// Microsoft Teams Workflows (Power Automate) webhooks, Microsoft's replacement for the retired
// Office 365 connectors. The URL is the one the "Post to a channel when a webhook request is
// received" workflow shows, with `teams+` in front of its https:// (teams+https://…logic.azure.com
// /workflows/…/invoke?…&sig=…, or a …powerplatform.com/… URL). Such a flow only accepts an Adaptive
// Card: JSON {type:"message", attachments:[{contentType:"application/vnd.microsoft.card.adaptive",
// content:{type:"AdaptiveCard", version, body:[TextBlock…]}}]}, answered with 202 Accepted.
// shoutrrr v0.8 reads teams+https:// as a connector's own webhook URL (…webhook.office.com/webhookb2/
// GROUP@TENANT/IncomingWebhook/ALTID/GROUPOWNER): such a URL goes to the connector (teams.ts).

import type { Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { CONNECTOR_PATH, connectorNotifier } from './teams.ts';
import { decode, JSON_CONTENT, UrlProblem, type ServiceContext } from './url-parts.ts';

/** Teams renders Adaptive Cards up to 1.5; 1.4 is what Microsoft's webhook examples send. */
const CARD_VERSION = '1.4';

export function parseTeamsWorkflowsUrl(url: URL, context: ServiceContext): Notifier[] {
  if (url.hostname === '' || url.pathname.length <= 1)
    throw new UrlProblem('teams: the Workflows URL needs its host and path, as the workflow shows it after "teams+"');
  const connector = CONNECTOR_PATH.exec(url.pathname);
  if (connector) {
    const [, group = '', tenant = '', altId = '', groupOwner = '', extraId = ''] = connector.map((part) => decode(part ?? ''));
    const title = url.searchParams.get('title') ?? undefined;
    const color = url.searchParams.get('color') ?? undefined;
    return [connectorNotifier(url.host, { group, tenant, altId, groupOwner, extraId }, title, color, context)];
  }
  if (url.protocol !== 'teams+https:') throw new UrlProblem('teams: a Workflows URL must be https (teams+https://…)');
  // kreboot's own option, taken off before the URL is posted to.
  const params = new URLSearchParams(url.search);
  const title = params.get('title') ?? undefined;
  params.delete('title');
  const query = params.toString();
  const postUrl = `https://${url.host}${url.pathname}${query ? `?${query}` : ''}`;

  return [
    {
      service: 'teams',
      // The path holds the workflow ID and the query its signature: show the host only.
      target: `teams workflow ${url.hostname}`,
      async send(message) {
        const body = [
          ...(title ? [{ type: 'TextBlock', text: title, weight: 'Bolder', size: 'Medium', wrap: true }] : []),
          { type: 'TextBlock', text: message.text, wrap: true },
        ];
        const payload = {
          type: 'message',
          attachments: [
            {
              contentType: 'application/vnd.microsoft.card.adaptive',
              contentUrl: null,
              content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: CARD_VERSION, body },
            },
          ],
        };
        const response = await context.transport.request({
          method: 'POST',
          url: postUrl,
          headers: { 'Content-Type': JSON_CONTENT },
          body: JSON.stringify(payload),
        });
        checkResponse(response, {
          now: context.now(),
          errorText: (b) => {
            const m = jsonField(b, 'error', 'message');
            return typeof m === 'string' ? m : undefined;
          },
        });
      },
    },
  ];
}
