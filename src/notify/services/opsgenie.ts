// Opsgenie: opsgenie://HOST[:PORT]/APIKEY[?options] creates an alert: POST https://HOST/v2/alerts
// with `Authorization: GenieKey APIKEY` and JSON {message, …}; Opsgenie answers 202 and processes
// it later. HOST is api.opsgenie.com (or api.eu.opsgenie.com). Opsgenie caps `message` at 130
// characters, so a longer text is cut there and sent whole as `description`. Options are
// shoutrrr's: alias, description, responders and visibleto (type:name lists, e.g.
// team:ops,user:jane@example.com), actions, tags, details (key:value list), entity, source,
// priority (P1–P5), user, note, title (used as the message when given).

import type { Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { decode, JSON_CONTENT, pathParts, readList, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

const MESSAGE_MAX = 130;
const RESPONDER_TYPES = ['team', 'user', 'escalation', 'schedule'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseOpsgenieUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(url, 'opsgenie', [
    'alias',
    'description',
    'responders',
    'visibleto',
    'actions',
    'tags',
    'details',
    'entity',
    'source',
    'priority',
    'user',
    'note',
    'title',
  ]);
  const [apiKey = '', ...rest] = pathParts(url);
  if (url.hostname === '') throw new UrlProblem('opsgenie: the API host is missing: opsgenie://api.opsgenie.com/APIKEY');
  if (apiKey === '' || rest.length > 0)
    throw new UrlProblem('opsgenie: the API key must be the only path part: opsgenie://api.opsgenie.com/APIKEY');
  const priority = query.get('priority');
  if (priority !== undefined && !/^P[1-5]$/.test(priority)) throw new UrlProblem('opsgenie: priority must be P1 to P5');
  const details: Record<string, string> = {};
  for (const pair of readList(query, 'details')) {
    const colon = pair.indexOf(':');
    if (colon <= 0) throw new UrlProblem('opsgenie: details must be key:value pairs, comma-separated');
    details[pair.slice(0, colon)] = pair.slice(colon + 1);
  }
  const fixed = {
    ...optional('alias', query.get('alias')),
    ...optional('entity', query.get('entity')),
    ...optional('source', query.get('source')),
    ...optional('priority', priority),
    ...optional('user', query.get('user')),
    ...optional('note', query.get('note')),
    ...(query.has('responders') ? { responders: readList(query, 'responders').map(entity) } : {}),
    ...(query.has('visibleto') ? { visibleTo: readList(query, 'visibleto').map(entity) } : {}),
    ...(query.has('actions') ? { actions: readList(query, 'actions') } : {}),
    ...(query.has('tags') ? { tags: readList(query, 'tags') } : {}),
    ...(Object.keys(details).length > 0 ? { details } : {}),
  };
  const title = query.get('title');
  const description = query.get('description');
  const postUrl = `https://${url.host}/v2/alerts`;
  const authorization = `GenieKey ${decode(apiKey)}`;

  return [
    {
      service: 'opsgenie',
      target: `opsgenie ${url.host}`,
      async send(message) {
        const head = title ?? message.text;
        const cut = head.length > MESSAGE_MAX ? `${head.slice(0, MESSAGE_MAX - 1)}…` : head;
        const whole = description ?? (cut !== message.text ? message.text : undefined);
        const body = { message: cut, ...fixed, ...optional('description', whole) };
        const response = await context.transport.request({
          method: 'POST',
          url: postUrl,
          headers: { 'Content-Type': JSON_CONTENT, Authorization: authorization },
          body: JSON.stringify(body),
        });
        checkResponse(response, {
          now: context.now(),
          errorText: (b) => {
            const m = jsonField(b, 'message');
            return typeof m === 'string' ? m : undefined;
          },
        });
      },
    },
  ];
}

function optional(key: string, value: string | undefined): Record<string, string> {
  return value === undefined || value === '' ? {} : { [key]: value };
}

/** "team:ops" → {type:"team", name:"ops"}; a user by name is `username`; a UUID is an `id`. */
function entity(spec: string): Record<string, string> {
  const colon = spec.indexOf(':');
  const type = spec.slice(0, colon).toLowerCase();
  const value = spec.slice(colon + 1);
  if (colon <= 0 || value === '' || !RESPONDER_TYPES.includes(type))
    throw new UrlProblem(`opsgenie: "${spec}" is not type:name with type ${RESPONDER_TYPES.join(', ')}`);
  if (UUID.test(value)) return { type, id: value };
  return type === 'user' ? { type, username: value } : { type, name: value };
}
