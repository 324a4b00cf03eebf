// A loopback stand-in for every chat service kreboot speaks to, built on the harness HTTP sink.
// Each route checks a request the way the real service does (path, auth, content type, required
// body fields) and answers as it would, so a malformed request fails here as it would in
// production. Every rejection is recorded for the test to print.
//
// For the end-to-end rolling-reboot test: start this sink, give the controller the URLs from
// `serviceUrls(sink)`, create the notifications with `endpointOverrides: overridesFor(sink)`, and
// compare `textsBy(sink, route)` with the expected sequence of messages.

import { startHttpSink, type HttpSink, type SinkRequest, type SinkResponse } from '../../harness/http-sink.ts';

export const SLACK_HOOK = 'T01ABCDEF9/B02GHIJKL8/abcdefghijklmnopqrstuvwx';
export const SLACK_BOT = 'xoxb-123456789012-1234567890123-4mt0t4l1YL3g1T5L4cK70k3N';
export const TEAMS_PATH = '/webhookb2/11111111-4444-4444-8444-cccccccccccc@22222222-4444-4444-8444-cccccccccccc/IncomingWebhook/33333333012222222222333333333344/44444444-4444-4444-8444-cccccccccccc/V2ESyij_gAljSoUQ';
export const DISCORD = { id: '693853386302554172', token: 'W3dE2OZz4C13_4z_uHfDOoC7BqTW288s' };
export const TELEGRAM_TOKEN = '110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
export const MATTERMOST_TOKEN = 'bywsw8zt5jgpte3nm65qjiru6h';
export const NTFY = { user: 'kreboot', password: 'ntfy-pass-123', topic: 'kreboot-reboots' };

/** Route prefixes, one per destination. */
export const ROUTES = {
  slackHook: `/services/${SLACK_HOOK}`,
  slackBot: '/api/chat.postMessage',
  teams: '/webhookb2/',
  discord: `/api/webhooks/${DISCORD.id}/`,
  telegram: `/bot${TELEGRAM_TOKEN}/sendMessage`,
  mattermost: `/hooks/${MATTERMOST_TOKEN}`,
  ntfy: `/${NTFY.topic}`,
  generic: '/generic/kreboot',
} as const;

export interface ServiceSink {
  readonly sink: HttpSink;
  /** Requests a route refused, with the reason, as the real service would have refused them. */
  readonly rejections: string[];
  /** Answers the next `count` requests of a route with `answer` (a rate limit, an outage) before checking resumes. */
  interrupt(prefix: string, count: number, answer: SinkResponse): void;
}

type Check = (request: SinkRequest) => string | undefined;

export async function startServiceSink(): Promise<ServiceSink> {
  const sink = await startHttpSink();
  const rejections: string[] = [];
  const interruptions = new Map<string, { count: number; answer: SinkResponse }>();
  const route = (prefix: string, check: Check, ok: SinkResponse, reject: (why: string) => SinkResponse) => {
    sink.respond(prefix, (request) => {
      const interruption = interruptions.get(prefix);
      if (interruption && interruption.count > 0) {
        interruption.count--;
        return interruption.answer;
      }
      const why = request.method !== 'POST' ? `method ${request.method}` : check(request);
      if (why === undefined) return ok;
      rejections.push(`${prefix}: ${why}`);
      return reject(why);
    });
  };
  const text = (status: number) => (why: string): SinkResponse => ({ status, body: why });

  // Slack incoming webhook: JSON with `text` (or `blocks`); errors are plain strings.
  route(ROUTES.slackHook, (r) => jsonCheck(r) ?? (hasText(r.json(), 'text') || hasArray(r.json(), 'blocks') ? undefined : 'no_text'), { body: 'ok' }, text(400));
  // Slack chat.postMessage: Bearer token, channel, text; errors are 200 {"ok":false}.
  route(ROUTES.slackBot, (r) => {
    if (r.headers.authorization !== `Bearer ${SLACK_BOT}`) return 'not_authed';
    const bad = jsonCheck(r);
    if (bad) return 'invalid_json';
    if (!hasText(r.json(), 'channel')) return 'channel_not_found';
    return hasText(r.json(), 'text') || hasArray(r.json(), 'blocks') ? undefined : 'no_text';
  }, { body: { ok: true, channel: 'C0123456789', ts: '1700000000.000100' } }, (why) => ({ status: 200, body: { ok: false, error: why } }));
  // Teams connector: a MessageCard needs `text` or `summary`; success is the body "1".
  route(ROUTES.teams, (r) => {
    if (!r.path.startsWith(TEAMS_PATH)) return 'unknown webhook';
    const card = r.json<Record<string, unknown>>();
    if (jsonCheck(r) || card?.['@type'] !== 'MessageCard') return 'Bad payload';
    return hasText(card, 'text') || hasText(card, 'summary') ? undefined : 'Summary or Text is required.';
  }, { body: '1' }, text(400));
  // Discord execute webhook: the token must match; `content` (≤ 2000) or `embeds`; success is 204.
  route(ROUTES.discord, (r) => {
    if (!r.path.startsWith(`${ROUTES.discord}${DISCORD.token}`)) return 'Invalid Webhook Token';
    const body = r.json<Record<string, unknown>>();
    if (jsonCheck(r)) return 'Cannot send an empty message';
    const content = body?.content;
    if (typeof content === 'string' && content.length > 2000) return 'content: Must be 2000 or fewer in length.';
    return hasText(body, 'content') || hasArray(body, 'embeds') ? undefined : 'Cannot send an empty message';
  }, { status: 204 }, (why) => ({ status: 400, body: { code: 50006, message: why } }));
  // Telegram sendMessage: chat_id and text.
  route(ROUTES.telegram, (r) => {
    if (jsonCheck(r)) return 'Bad Request: invalid JSON';
    const body = r.json<Record<string, unknown>>();
    if (body?.chat_id === undefined) return 'Bad Request: chat_id is empty';
    return hasText(body, 'text') ? undefined : 'Bad Request: message text is empty';
  }, { body: { ok: true, result: { message_id: 1, date: 1700000000, chat: { id: -100, type: 'channel' }, text: 'x' } } },
  (why) => ({ status: 400, body: { ok: false, error_code: 400, description: why } }));
  // Mattermost incoming webhook: JSON with `text`; answers "ok".
  route(ROUTES.mattermost, (r) => jsonCheck(r) ?? (hasText(r.json(), 'text') ? undefined : 'Unable to parse incoming data'), { body: 'ok' }, text(400));
  // ntfy publish: Basic auth for a protected topic; the body is the message.
  route(ROUTES.ntfy, (r) => {
    const expected = `Basic ${Buffer.from(`${NTFY.user}:${NTFY.password}`).toString('base64')}`;
    if (r.headers.authorization !== expected) return 'unauthorized';
    return r.body === '' ? 'empty message' : undefined;
  }, { body: { id: 'x', time: 1700000000, event: 'message', topic: NTFY.topic } }, (why) => ({ status: why === 'unauthorized' ? 401 : 400, body: { code: 40101, error: why } }));
  // Generic receiver expecting shoutrrr's JSON template.
  route(ROUTES.generic, (r) => jsonCheck(r) ?? (hasText(r.json(), 'message') ? undefined : 'no message'), { status: 204 }, text(422));
  return { sink, rejections, interrupt: (prefix, count, answer) => interruptions.set(prefix, { count, answer }) };
}

/** One --notify-url per service (and a second Slack form), pointed at the sink where the URL allows it. */
export function serviceUrls(sink: HttpSink): Record<keyof typeof ROUTES, string> {
  const host = `127.0.0.1:${sink.port}`;
  return {
    slackHook: `slack://hook:${SLACK_HOOK.replaceAll('/', '-')}@webhook?botname=kreboot`,
    slackBot: `slack://xoxb:${SLACK_BOT.slice(5)}@C0123456789`,
    teams: `teams://${TEAMS_PATH.split('/')[2]}/${TEAMS_PATH.split('/').slice(4).join('/')}?host=contoso.webhook.office.com`,
    discord: `discord://${DISCORD.token}@${DISCORD.id}`,
    telegram: `telegram://${TELEGRAM_TOKEN}@telegram?chats=@kreboot_ops`,
    // shoutrrr's own options reach a plain-http server: disabletls for Mattermost, scheme for ntfy.
    mattermost: `mattermost://kreboot@${host}/${MATTERMOST_TOKEN}/ops?disabletls=yes`,
    ntfy: `ntfy://${NTFY.user}:${NTFY.password}@${host}/${NTFY.topic}?scheme=http`,
    generic: `generic+http://${host}${ROUTES.generic}`,
  };
}

/** The fixed public API origins, redirected to the sink (the notifications' endpointOverrides option). */
export function overridesFor(sink: HttpSink): Record<string, string> {
  return Object.fromEntries(['https://hooks.slack.com', 'https://slack.com', 'https://discord.com', 'https://api.telegram.org', 'https://contoso.webhook.office.com']
    .map((origin) => [origin, sink.url]));
}

/** The message texts a route received, in arrival order. */
export function textsBy(sink: HttpSink, prefix: string): string[] {
  return sink.received(prefix).map((r) => {
    if (prefix === ROUTES.ntfy) return r.body;
    const body = r.json<Record<string, unknown>>() ?? {};
    return String(body.text ?? body.content ?? body.message ?? '');
  });
}

function jsonCheck(request: SinkRequest): string | undefined {
  if (!String(request.headers['content-type'] ?? '').startsWith('application/json')) return 'invalid_payload (content type)';
  return request.json() === undefined ? 'invalid_payload' : undefined;
}

function hasText(body: unknown, key: string): boolean {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  return typeof value === 'string' && value.trim() !== '';
}

function hasArray(body: unknown, key: string): boolean {
  const value = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined;
  return Array.isArray(value) && value.length > 0;
}
