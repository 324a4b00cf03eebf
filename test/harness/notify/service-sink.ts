// A loopback stand-in for every chat service kreboot speaks to, built on the harness HTTP sink.
// Each route checks a request the way the real service does (path, auth, content type, required
// body fields) and answers as it would, so a malformed request fails here as it would in
// production. Every rejection is recorded for the test to print.
//
// For the end-to-end rolling-reboot test: start this sink, give the controller the URLs from
// `serviceUrls(sink)`, create the notifications with `endpointOverrides: overridesFor(sink)`, and
// compare `textsBy(sink, route)` with the expected sequence of messages.

import { startHttpSink, type HttpSink, type SinkRequest, type SinkResponse } from '../http-sink.ts';

export const SLACK_HOOK = 'T01ABCDEF9/B02GHIJKL8/abcdefghijklmnopqrstuvwx';
export const SLACK_BOT = 'xoxb-123456789012-1234567890123-4mt0t4l1YL3g1T5L4cK70k3N';
export const TEAMS_PATH =
  '/webhookb2/11111111-4444-4444-8444-cccccccccccc@22222222-4444-4444-8444-cccccccccccc/IncomingWebhook/33333333012222222222333333333344/44444444-4444-4444-8444-cccccccccccc/V2ESyij_gAljSoUQ';
export const DISCORD = { id: '693853386302554172', token: 'W3dE2OZz4C13_4z_uHfDOoC7BqTW288s' };
export const TELEGRAM_TOKEN = '110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
export const MATTERMOST_TOKEN = 'bywsw8zt5jgpte3nm65qjiru6h';
export const NTFY = { user: 'kreboot', password: 'ntfy-pass-123', topic: 'kreboot-reboots' };
export const WORKFLOW = { id: '0a1b2c3d4e5f46a7b8c9d0e1f2a3b4c5', sig: 'Q2hhbmdlTWVQbGVhc2VJQW1BU2lnbmF0dXJl' };
export const GOTIFY_TOKEN = 'AzyoeNS.D4iJLVa';
export const PUSHOVER = { token: 'azGDORePK8gMaC0QOYAMyEEuzJnyUi', user: 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG' };
export const ROCKETCHAT = { a: '8eGdRzc9r4YYNyvge', b: '2XYQcX9NBwJBKfQnphpebPcnXZcPEi32Nt4NKJfrnbhsbRfX' };
export const GOOGLECHAT = {
  space: 'AAAAnXUK8Fo',
  key: 'AIzaSyDdI0hCZtE6vySjMm-WEfRq3CPzqKqqsHI',
  token: 'kxW2CcnN3f-Q1U5Dt4ZjJ0GzN1m0XKQ6S0pm8bGkqbA',
};
export const ZULIP = { mail: 'kreboot-bot@example.zulipchat.com', key: 'aZ3xW8qL9kT2vR5nB7mC1dF4gH6jK0pQ' };
export const OPSGENIE_KEY = 'eb243592-faa2-4ba2-a551-1afdf565c889';
export const PUSHBULLET_TOKEN = 'o.f8kTmVvO2JNWpWtLWtXt1X6jLvX3m8Zv';
export const BARK_KEY = 'Xq3nNzc8uLxS4hXXXbPyV4';
export const JOIN_KEY = '0b7c4e5d9a6f4e1c8b2a3d4e5f6a7b8c';
export const IFTTT_KEY = 'dK3-4mbXyZ_9aQwErTyUiO';

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
  teamsWorkflow: `/workflows/${WORKFLOW.id}/triggers/manual/paths/invoke`,
  gotify: '/gotify/message',
  pushover: '/1/messages.json',
  rocketchat: `/hooks/${ROCKETCHAT.a}/`,
  googlechat: `/v1/spaces/${GOOGLECHAT.space}/messages`,
  zulip: '/api/v1/messages',
  opsgenie: '/v2/alerts',
  pushbullet: '/v2/pushes',
  bark: '/bark/push',
  join: '/_ah/api/messaging/v1/sendPush',
  ifttt: '/trigger/kreboot-reboot/with/key/',
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
  const text =
    (status: number) =>
    (why: string): SinkResponse => ({ status, body: why });

  // Slack incoming webhook: JSON with `text` (or `blocks`); errors are plain strings.
  route(
    ROUTES.slackHook,
    (r) => jsonCheck(r) ?? (hasText(r.json(), 'text') || hasArray(r.json(), 'blocks') ? undefined : 'no_text'),
    { body: 'ok' },
    text(400),
  );
  // Slack chat.postMessage: Bearer token, channel, text; errors are 200 {"ok":false}.
  route(
    ROUTES.slackBot,
    (r) => {
      if (r.headers.authorization !== `Bearer ${SLACK_BOT}`) return 'not_authed';
      const bad = jsonCheck(r);
      if (bad) return 'invalid_json';
      if (!hasText(r.json(), 'channel')) return 'channel_not_found';
      return hasText(r.json(), 'text') || hasArray(r.json(), 'blocks') ? undefined : 'no_text';
    },
    { body: { ok: true, channel: 'C0123456789', ts: '1700000000.000100' } },
    (why) => ({ status: 200, body: { ok: false, error: why } }),
  );
  // Teams connector: a MessageCard needs `text` or `summary`; success is the body "1".
  route(
    ROUTES.teams,
    (r) => {
      if (!r.path.startsWith(TEAMS_PATH)) return 'unknown webhook';
      const card = r.json<Record<string, unknown>>();
      if (jsonCheck(r) || card?.['@type'] !== 'MessageCard') return 'Bad payload';
      return hasText(card, 'text') || hasText(card, 'summary') ? undefined : 'Summary or Text is required.';
    },
    { body: '1' },
    text(400),
  );
  // Discord execute webhook: the token must match; `content` (≤ 2000) or `embeds`; success is 204.
  route(
    ROUTES.discord,
    (r) => {
      if (!r.path.startsWith(`${ROUTES.discord}${DISCORD.token}`)) return 'Invalid Webhook Token';
      const body = r.json<Record<string, unknown>>();
      if (jsonCheck(r)) return 'Cannot send an empty message';
      const content = body?.content;
      if (typeof content === 'string' && content.length > 2000) return 'content: Must be 2000 or fewer in length.';
      return hasText(body, 'content') || hasArray(body, 'embeds') ? undefined : 'Cannot send an empty message';
    },
    { status: 204 },
    (why) => ({ status: 400, body: { code: 50006, message: why } }),
  );
  // Telegram sendMessage: chat_id and text.
  route(
    ROUTES.telegram,
    (r) => {
      if (jsonCheck(r)) return 'Bad Request: invalid JSON';
      const body = r.json<Record<string, unknown>>();
      if (body?.chat_id === undefined) return 'Bad Request: chat_id is empty';
      return hasText(body, 'text') ? undefined : 'Bad Request: message text is empty';
    },
    { body: { ok: true, result: { message_id: 1, date: 1700000000, chat: { id: -100, type: 'channel' }, text: 'x' } } },
    (why) => ({ status: 400, body: { ok: false, error_code: 400, description: why } }),
  );
  // Mattermost incoming webhook: JSON with `text`; answers "ok".
  route(
    ROUTES.mattermost,
    (r) => jsonCheck(r) ?? (hasText(r.json(), 'text') ? undefined : 'Unable to parse incoming data'),
    { body: 'ok' },
    text(400),
  );
  // ntfy publish: Basic auth for a protected topic; the body is the message.
  route(
    ROUTES.ntfy,
    (r) => {
      const expected = `Basic ${Buffer.from(`${NTFY.user}:${NTFY.password}`).toString('base64')}`;
      if (r.headers.authorization !== expected) return 'unauthorized';
      return r.body === '' ? 'empty message' : undefined;
    },
    { body: { id: 'x', time: 1700000000, event: 'message', topic: NTFY.topic } },
    (why) => ({ status: why === 'unauthorized' ? 401 : 400, body: { code: 40101, error: why } }),
  );
  // Generic receiver expecting shoutrrr's JSON template.
  route(ROUTES.generic, (r) => jsonCheck(r) ?? (hasText(r.json(), 'message') ? undefined : 'no message'), { status: 204 }, text(422));
  addMoreRoutes(route);
  return { sink, rejections, interrupt: (prefix, count, answer) => interruptions.set(prefix, { count, answer }) };
}

type Route = (prefix: string, check: Check, ok: SinkResponse, reject: (why: string) => SinkResponse) => void;

/** The services added for kured's users, each checked as its API documents. */
function addMoreRoutes(route: Route): void {
  // Teams Workflows ("Post to a channel when a webhook request is received"): the SAS signature
  // in the query, and a message whose attachments are Adaptive Cards; accepted with 202.
  route(
    ROUTES.teamsWorkflow,
    (r) => {
      const query = new URL(r.path, 'http://x').searchParams;
      if (query.get('sig') !== WORKFLOW.sig || query.get('api-version') === null) return 'DirectApiAuthorizationRequired';
      const body = r.json<{
        type?: unknown;
        attachments?: Array<{
          contentType?: unknown;
          content?: { type?: unknown; version?: unknown; body?: Array<{ type?: unknown; text?: unknown }> };
        }>;
      }>();
      if (jsonCheck(r) || body?.type !== 'message' || !Array.isArray(body.attachments) || body.attachments.length === 0)
        return 'InvalidRequestContent: attachments is required';
      for (const attachment of body.attachments) {
        if (attachment.contentType !== 'application/vnd.microsoft.card.adaptive')
          return 'InvalidRequestContent: only Adaptive Cards are supported';
        const card = attachment.content;
        if (card?.type !== 'AdaptiveCard' || typeof card.version !== 'string' || !Array.isArray(card.body))
          return 'InvalidRequestContent: not an AdaptiveCard';
        if (!card.body.some((element) => element.type === 'TextBlock' && typeof element.text === 'string' && element.text !== ''))
          return 'InvalidRequestContent: the card shows no text';
      }
      return undefined;
    },
    { status: 202, body: '' },
    (why) => ({ status: 400, body: { error: { code: why.split(':')[0], message: why } } }),
  );
  // Gotify: the application token (query or X-Gotify-Key), JSON with `message`.
  route(
    ROUTES.gotify,
    (r) => {
      const token = new URL(r.path, 'http://x').searchParams.get('token') ?? r.headers['x-gotify-key'];
      if (token !== GOTIFY_TOKEN) return 'Unauthorized';
      if (jsonCheck(r)) return 'Bad Request';
      const body = r.json<Record<string, unknown>>();
      if (body?.priority !== undefined && !Number.isInteger(body.priority)) return 'Bad Request';
      return hasText(body, 'message') ? undefined : 'Bad Request';
    },
    { body: { id: 1, appid: 1, message: 'x', title: 'kreboot', priority: 0, date: '2026-12-01T00:00:00Z' } },
    (why) => ({
      status: why === 'Unauthorized' ? 401 : 400,
      body: {
        error: why,
        errorCode: why === 'Unauthorized' ? 401 : 400,
        errorDescription:
          why === 'Unauthorized'
            ? 'you need to provide a valid access token or user credentials to access this api'
            : "Field 'message' is required",
      },
    }),
  );
  // Pushover: a form with the application token, user key and message (≤ 1024 characters).
  route(
    ROUTES.pushover,
    (r) => {
      if (!String(r.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) return 'message cannot be blank';
      const form = new URLSearchParams(r.body);
      if (form.get('token') !== PUSHOVER.token) return 'application token is invalid';
      if (form.get('user') !== PUSHOVER.user) return 'user identifier is not a valid user, group, or subscribed user key';
      const message = form.get('message') ?? '';
      if (message === '' || message.length > 1024) return 'message cannot be blank';
      const priority = form.get('priority');
      return priority === null || /^(-2|-1|0|1|2)$/.test(priority) ? undefined : 'priority is invalid';
    },
    { body: { status: 1, request: '5042853c-402d-4a18-abcb-168734a801de' } },
    (why) => ({ status: 400, body: { errors: [why], status: 0, request: '5042853c-402d-4a18-abcb-168734a801de' } }),
  );
  // Rocket.Chat incoming webhook: both token parts, JSON `text`; answers {"success":true}.
  route(
    ROUTES.rocketchat,
    (r) => {
      if (r.path !== `${ROUTES.rocketchat}${ROCKETCHAT.b}`) return 'Invalid integration id or token provided.';
      if (jsonCheck(r)) return 'invalid JSON';
      return hasText(r.json(), 'text') ? undefined : 'text is required';
    },
    { body: { success: true } },
    (why) => ({ status: 400, body: { success: false, error: why } }),
  );
  // Google Chat webhook: key and token in the query, JSON `text` (or cards).
  route(
    ROUTES.googlechat,
    (r) => {
      const query = new URL(r.path, 'http://x').searchParams;
      if (query.get('key') !== GOOGLECHAT.key || query.get('token') !== GOOGLECHAT.token)
        return 'Request had invalid authentication credentials.';
      if (jsonCheck(r)) return 'Invalid JSON payload received.';
      return hasText(r.json(), 'text') || hasArray(r.json(), 'cardsV2') ? undefined : 'Message cannot be empty.';
    },
    { body: { name: `spaces/${GOOGLECHAT.space}/messages/x`, text: 'x' } },
    (why) => ({
      status: why.startsWith('Request had') ? 401 : 400,
      body: { error: { code: why.startsWith('Request had') ? 401 : 400, message: why, status: 'INVALID_ARGUMENT' } },
    }),
  );
  // Zulip send-message: Basic auth with the bot's mail and key, a form with type, to, topic, content.
  route(
    ROUTES.zulip,
    (r) => {
      if (r.headers.authorization !== `Basic ${Buffer.from(`${ZULIP.mail}:${ZULIP.key}`).toString('base64')}`) return 'Invalid API key';
      const form = new URLSearchParams(r.body);
      if (!['stream', 'channel'].includes(form.get('type') ?? '')) return 'Invalid message type';
      if ((form.get('to') ?? '') === '') return "Missing 'to' argument";
      if ([...(form.get('topic') ?? '')].length > 60) return 'Topic too long';
      return (form.get('content') ?? '').trim() === '' ? 'Message must not be empty' : undefined;
    },
    { body: { result: 'success', msg: '', id: 42 } },
    (why) => ({ status: why === 'Invalid API key' ? 401 : 400, body: { result: 'error', msg: why, code: 'BAD_REQUEST' } }),
  );
  // Opsgenie create alert: GenieKey auth, JSON `message` of at most 130 characters; 202.
  route(
    ROUTES.opsgenie,
    (r) => {
      if (r.headers.authorization !== `GenieKey ${OPSGENIE_KEY}`) return 'Key format is not valid!';
      if (jsonCheck(r)) return 'Could not parse json';
      const body = r.json<Record<string, unknown>>();
      if (!hasText(body, 'message')) return 'Message can not be empty.';
      return String(body?.message).length > 130 ? 'Message can not be longer than 130 characters.' : undefined;
    },
    { status: 202, body: { result: 'Request will be processed', took: 0.1, requestId: '43a29c5c-3dbf-4fa4-9c26-f4f71023e120' } },
    (why) => ({ status: why.startsWith('Key') ? 401 : 422, body: { message: why, took: 0, requestId: 'x' } }),
  );
  // Pushbullet create push: Access-Token, JSON note with `type` and a body or title.
  route(
    ROUTES.pushbullet,
    (r) => {
      if (r.headers['access-token'] !== PUSHBULLET_TOKEN) return 'invalid_access_token';
      if (jsonCheck(r)) return 'invalid_request';
      const body = r.json<Record<string, unknown>>();
      if (body?.type !== 'note') return 'invalid_request';
      return hasText(body, 'body') || hasText(body, 'title') ? undefined : 'invalid_request';
    },
    { body: { active: true, iden: 'ujpah72o0sjAoRtnM0jc', type: 'note', dismissed: false } },
    (why) => ({
      status: why === 'invalid_access_token' ? 401 : 400,
      body: { error: { code: why, type: 'invalid_request', message: why } },
    }),
  );
  // bark-server push: a known device_key and a body; answers {"code":200}.
  route(
    ROUTES.bark,
    (r) => {
      if (jsonCheck(r)) return 'request bind failed';
      const body = r.json<Record<string, unknown>>();
      if (body?.device_key !== BARK_KEY) return 'failed to get device token: device not found';
      return hasText(body, 'body') ? undefined : 'body is empty';
    },
    { body: { code: 200, message: 'success', timestamp: 1700000000 } },
    (why) => ({ status: 400, body: { code: 400, message: why, timestamp: 1700000000 } }),
  );
  // Join sendPush: everything in the query; a bad key is a 200 with success:false.
  route(
    ROUTES.join,
    (r) => {
      const query = new URL(r.path, 'http://x').searchParams;
      if (query.get('apikey') !== JOIN_KEY) return 'User Not Authenticated';
      if ((query.get('deviceIds') ?? '') === '') return 'No devices to send to';
      return (query.get('text') ?? '') === '' ? 'No text' : undefined;
    },
    { body: { success: true, userAuthError: false } },
    (why) => ({ status: 200, body: { success: false, errorMessage: why } }),
  );
  // IFTTT Webhooks trigger: the key in the path, JSON with value1..3.
  route(
    ROUTES.ifttt,
    (r) => {
      if (r.path !== `${ROUTES.ifttt}${IFTTT_KEY}`) return 'You sent an invalid key.';
      return jsonCheck(r) ? 'Invalid JSON' : undefined;
    },
    { body: "Congratulations! You've fired the kreboot-reboot event" },
    (why) => ({ status: 401, body: { errors: [{ message: why }] } }),
  );
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
    teamsWorkflow: `teams+https://prod-12.westeurope.logic.azure.com:443${ROUTES.teamsWorkflow}?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=${WORKFLOW.sig}`,
    gotify: `gotify://${host}/gotify/${GOTIFY_TOKEN}?disabletls=yes&priority=5`,
    pushover: `pushover://shoutrrr:${PUSHOVER.token}@${PUSHOVER.user}/?devices=phone&title=kreboot`,
    rocketchat: `rocketchat://kreboot@chat.example.com/${ROCKETCHAT.a}/${ROCKETCHAT.b}/ops`,
    googlechat: `googlechat://chat.googleapis.com${ROUTES.googlechat}?key=${GOOGLECHAT.key}&token=${GOOGLECHAT.token}`,
    zulip: `zulip://${encodeURIComponent(ZULIP.mail)}:${ZULIP.key}@example.zulipchat.com/?stream=ops&topic=reboots`,
    opsgenie: `opsgenie://api.opsgenie.com/${OPSGENIE_KEY}?tags=kreboot`,
    pushbullet: `pushbullet://${PUSHBULLET_TOKEN}`,
    bark: `bark://:${BARK_KEY}@${host}/bark?scheme=http&title=kreboot`,
    join: `join://shoutrrr:${JOIN_KEY}@join/?devices=aaa111`,
    ifttt: `ifttt://${IFTTT_KEY}/?events=kreboot-reboot&value1=prod`,
  };
}

/** The fixed public API origins, redirected to the sink (the notifications' endpointOverrides option). */
export function overridesFor(sink: HttpSink): Record<string, string> {
  return Object.fromEntries(
    [
      'https://hooks.slack.com',
      'https://slack.com',
      'https://discord.com',
      'https://api.telegram.org',
      'https://contoso.webhook.office.com',
      'https://prod-12.westeurope.logic.azure.com',
      'https://api.pushover.net',
      'https://chat.example.com',
      'https://chat.googleapis.com',
      'https://example.zulipchat.com',
      'https://api.opsgenie.com',
      'https://api.pushbullet.com',
      'https://joinjoaomgcd.appspot.com',
      'https://maker.ifttt.com',
    ].map((origin) => [origin, sink.url]),
  );
}

/** The message texts a route received, in arrival order. */
export function textsBy(sink: HttpSink, prefix: string): string[] {
  return sink.received(prefix).map((r) => {
    if (prefix === ROUTES.ntfy) return r.body;
    if (prefix === ROUTES.pushover) return new URLSearchParams(r.body).get('message') ?? '';
    if (prefix === ROUTES.zulip) return new URLSearchParams(r.body).get('content') ?? '';
    if (prefix === ROUTES.join) return new URL(r.path, 'http://x').searchParams.get('text') ?? '';
    const body = r.json<Record<string, unknown>>() ?? {};
    if (prefix === ROUTES.ifttt) return String(body.value2 ?? '');
    if (prefix === ROUTES.teamsWorkflow) {
      const card =
        (body as { attachments?: Array<{ content?: { body?: Array<{ text?: string }> } }> }).attachments?.[0]?.content?.body ?? [];
      return card.at(-1)?.text ?? '';
    }
    if (prefix === ROUTES.pushbullet || prefix === ROUTES.bark) return String(body.body ?? '');
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
