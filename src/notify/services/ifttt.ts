// IFTTT Webhooks: ifttt://KEY/?events=a,b[&value1=…&value2=…&value3=…][&messagevalue=2][&titlevalue=N][&title=…]
// fires each event with POST https://maker.ifttt.com/trigger/EVENT/with/key/KEY and JSON
// {value1, value2, value3}; the message goes into value`messagevalue` (2 by default) and the title,
// when titlevalue is 1–3, into that one. Each event is its own notifier, so a retry never fires
// another event twice.

import type { Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { decode, JSON_CONTENT, readInt, readList, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

export function parseIftttUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(url, 'ifttt', ['events', 'value1', 'value2', 'value3', 'messagevalue', 'titlevalue', 'title']);
  const key = decode(url.hostname);
  if (key === '') throw new UrlProblem('ifttt: the webhook key (the host part) is missing');
  const events = readList(query, 'events');
  if (events.length === 0) throw new UrlProblem('ifttt: option "events" is required (event names, comma-separated)');
  for (const event of events)
    if (!/^[A-Za-z0-9_-]+$/.test(event)) throw new UrlProblem(`ifttt: event "${event}" may only have letters, digits, - and _`);
  const messageValue = readInt(query, 'messagevalue', 'ifttt', [1, 3], 2) ?? 2;
  const titleValue = readInt(query, 'titlevalue', 'ifttt', [0, 3], 0) ?? 0;
  if (titleValue === messageValue) throw new UrlProblem('ifttt: titlevalue cannot be the same number as messagevalue');
  const values: Record<string, string> = {};
  for (const n of [1, 2, 3]) values[`value${n}`] = query.get(`value${n}`) ?? '';
  const title = query.get('title') ?? '';

  return events.map((event): Notifier => ({
    service: 'ifttt',
    target: `ifttt event ${event}`,
    async send(message) {
      const body = { ...values, [`value${messageValue}`]: message.text, ...(titleValue > 0 ? { [`value${titleValue}`]: title } : {}) };
      const response = await context.transport.request({
        method: 'POST',
        url: `https://maker.ifttt.com/trigger/${event}/with/key/${encodeURIComponent(key)}`,
        headers: { 'Content-Type': JSON_CONTENT },
        body: JSON.stringify(body),
      });
      checkResponse(response, {
        now: context.now(),
        errorText: (b) => {
          const m = jsonField(b, 'errors', '0', 'message');
          return typeof m === 'string' ? m : undefined;
        },
      });
    },
  }));
}
