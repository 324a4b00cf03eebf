// Matrix (client-server API): matrix://USER:PASSWORD@HOST[:PORT]/[?rooms=!id,#alias][&title=…]
// [&disabletls=yes]. With a user, kreboot logs in with the password (POST /login, m.login.password)
// and keeps the access token; with only a password (matrix://:TOKEN@host) that is the access token.
// Each listed room is joined once (POST /join/ROOM; an alias without "#" gets one, as shoutrrr
// does) and is its own notifier; without rooms, every room the account has joined gets the message.
// A message is PUT /rooms/ROOM/send/m.room.message/TXN with {msgtype:"m.text", body}; the
// transaction ID stays the same across retries, so the homeserver never posts a message twice.

import { randomUUID } from 'node:crypto';
import { DeliveryError } from '../delivery-error.ts';
import type { HttpResponse } from '../http-transport.ts';
import type { Message, Notifier } from '../notifier.ts';
import { checkResponse, jsonField } from '../response-check.ts';
import { decode, JSON_CONTENT, readBool, readList, readQuery, UrlProblem, type ServiceContext } from './url-parts.ts';

const API = '/_matrix/client/v3';

export function parseMatrixUrl(url: URL, context: ServiceContext): Notifier[] {
  const query = readQuery(url, 'matrix', ['rooms', 'room', 'title', 'disabletls']);
  if (url.hostname === '') throw new UrlProblem('matrix: the homeserver host is missing: matrix://user:password@host[:port]/?rooms=…');
  const user = decode(url.username);
  const password = decode(url.password);
  if (password === '') throw new UrlProblem('matrix: a password (or, without a user, an access token) is required');
  const base = `${readBool(query, 'disabletls', 'matrix', false) ? 'http' : 'https'}://${url.host}${API}`;
  const rooms = [...readList(query, 'rooms'), ...readList(query, 'room')].map((room) => (/^[!#]/.test(room) ? room : `#${room}`));
  for (const room of rooms)
    if (!/^[!#][^:]+:.+$/.test(room)) throw new UrlProblem(`matrix: room "${room}" must be !id:server or #alias:server`);
  const title = query.get('title');
  const session = createSession(base, user, password, context);
  const txnIds = new WeakMap<Message, string>();
  const txnFor = (message: Message, room: string) => {
    if (!txnIds.has(message)) txnIds.set(message, `kreboot-${randomUUID()}`);
    return `${txnIds.get(message)!}-${encodeURIComponent(room)}`;
  };
  const body = (message: Message) => JSON.stringify({ msgtype: 'm.text', body: title ? `${title}\n${message.text}` : message.text });

  if (rooms.length === 0) {
    return [
      {
        service: 'matrix',
        target: `matrix ${url.host} joined rooms`,
        async send(message) {
          const joined = jsonField((await session.call('GET', '/joined_rooms', '')).body, 'joined_rooms');
          if (!Array.isArray(joined)) throw new DeliveryError('matrix: unexpected answer to joined_rooms', { retryable: true });
          for (const room of joined.map(String))
            await session.call('PUT', `/rooms/${encodeURIComponent(room)}/send/m.room.message/${txnFor(message, room)}`, body(message));
        },
      },
    ];
  }
  return rooms.map((room): Notifier => {
    let roomId: string | undefined;
    return {
      service: 'matrix',
      target: `matrix ${url.host} room ${room}`,
      async send(message) {
        if (roomId === undefined) {
          const joined = jsonField((await session.call('POST', `/join/${encodeURIComponent(room)}`, '{}')).body, 'room_id');
          if (typeof joined !== 'string')
            throw new DeliveryError('matrix: the homeserver did not say which room was joined', { retryable: true });
          roomId = joined;
        }
        await session.call('PUT', `/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txnFor(message, roomId)}`, body(message));
      },
    };
  });
}

interface Session {
  call(method: 'GET' | 'POST' | 'PUT', path: string, body: string): Promise<HttpResponse>;
}

/** The access token, fetched at first use and again when the homeserver says it is no longer valid. */
function createSession(base: string, user: string, password: string, context: ServiceContext): Session {
  let token: string | undefined = user === '' ? password : undefined;
  // Each room's queue sends on its own; the first ones to need a token share one login.
  let loggingIn: Promise<string> | undefined;
  async function login(): Promise<string> {
    const response = await context.transport.request({
      method: 'POST',
      url: `${base}/login`,
      headers: { 'Content-Type': JSON_CONTENT },
      body: JSON.stringify({
        type: 'm.login.password',
        identifier: { type: 'm.id.user', user },
        password,
        initial_device_display_name: 'kreboot',
      }),
    });
    check(response);
    const issued = jsonField(response.body, 'access_token');
    if (typeof issued !== 'string') throw new DeliveryError('matrix: the login answer has no access token', { retryable: false });
    return issued;
  }
  return {
    async call(method, path, body) {
      if (token === undefined) {
        loggingIn ??= login().finally(() => {
          loggingIn = undefined;
        });
        token = await loggingIn;
      }
      const used = token;
      const response = await context.transport.request({
        method,
        url: `${base}${path}`,
        headers: { 'Content-Type': JSON_CONTENT, Authorization: `Bearer ${used}` },
        body,
      });
      if (response.status === 401 && user !== '' && jsonField(response.body, 'errcode') === 'M_UNKNOWN_TOKEN') {
        // Logged out or expired: log in again on the next attempt (unless another room already did).
        if (token === used) token = undefined;
        throw new DeliveryError('matrix: the access token is no longer valid', { retryable: true });
      }
      check(response);
      return response;
    },
  };

  function check(response: HttpResponse): void {
    checkResponse(response, {
      now: context.now(),
      bodyRetryAfterSeconds: (b) => {
        const ms = jsonField(b, 'retry_after_ms');
        return typeof ms === 'number' ? ms / 1000 : undefined;
      },
      errorText: (b) => {
        const code = jsonField(b, 'errcode');
        const text = jsonField(b, 'error');
        return typeof code === 'string' ? `${code}${typeof text === 'string' ? ` ${text}` : ''}` : undefined;
      },
    });
  }
}
