// A loopback Matrix homeserver stand-in for the matrix notifier, covering the client-server API
// calls it makes, checked as a homeserver checks them: password login (m.login.password with an
// m.id.user identifier), Bearer access tokens (M_MISSING_TOKEN / M_UNKNOWN_TOKEN), joining by room
// ID or alias (M_NOT_FOUND for an unknown alias), sending only into joined rooms (M_FORBIDDEN),
// m.room.message events sent with PUT and a transaction ID (a repeated ID is not posted again).

import type { HttpSink, SinkRequest, SinkResponse } from '../http-sink.ts';

export const MATRIX = {
  user: 'kreboot',
  password: 'M4trixPassw0rd',
  server: 'example.org',
  accessToken: 'syt_a3JlYm9vdA_staticAccessToken_0001',
};
export const ROOMS: Readonly<Record<string, string>> = {
  '#ops:example.org': '!opsRoom:example.org',
  '#reboots:example.org': '!rebootRoom:example.org',
};

export interface MatrixSink {
  /** Message bodies by room ID, in arrival order. */
  readonly messages: Map<string, string[]>;
  readonly rejections: string[];
  readonly logins: () => number;
  /** Rooms the account has joined before the test starts (for "no rooms given"). */
  preJoin(roomId: string): void;
  /** Invalidates every issued token, as a logout or expiry does. */
  revokeTokens(): void;
}

export function startMatrixSink(sink: HttpSink): MatrixSink {
  const messages = new Map<string, string[]>();
  const rejections: string[] = [];
  const joined = new Set<string>();
  const tokens = new Set<string>([MATRIX.accessToken]);
  const seenTxn = new Map<string, string>();
  let logins = 0;
  let issued = 0;

  const error = (status: number, errcode: string, text: string): SinkResponse => {
    rejections.push(`${errcode}: ${text}`);
    return { status, body: { errcode, error: text } };
  };

  sink.respond('/_matrix/client/v3/', (r: SinkRequest) => {
    const path = r.path.slice('/_matrix/client/v3'.length).split('?')[0] ?? '';
    if (path === '/login' && r.method === 'POST') {
      const body = r.json<{ type?: string; identifier?: { type?: string; user?: string }; password?: string }>();
      if (body?.type !== 'm.login.password' || body.identifier?.type !== 'm.id.user') return error(400, 'M_UNKNOWN', 'Unknown login type');
      const user = body.identifier.user;
      if ((user !== MATRIX.user && user !== `@${MATRIX.user}:${MATRIX.server}`) || body.password !== MATRIX.password)
        return error(403, 'M_FORBIDDEN', 'Invalid username or password');
      logins++;
      const token = `syt_issued_${++issued}`;
      tokens.add(token);
      return { body: { access_token: token, user_id: `@${MATRIX.user}:${MATRIX.server}`, device_id: `DEV${issued}` } };
    }
    const auth = String(r.headers.authorization ?? '');
    if (!auth.startsWith('Bearer ')) return error(401, 'M_MISSING_TOKEN', 'Missing access token');
    if (!tokens.has(auth.slice('Bearer '.length))) return error(401, 'M_UNKNOWN_TOKEN', 'Invalid access token passed.');
    const join = /^\/join\/([^/]+)$/.exec(path);
    if (join && r.method === 'POST') {
      const target = decodeURIComponent(join[1] ?? '');
      const roomId = target.startsWith('!') ? target : ROOMS[target];
      if (roomId === undefined) return error(404, 'M_NOT_FOUND', `Room alias ${target} not found`);
      joined.add(roomId);
      return { body: { room_id: roomId } };
    }
    if (path === '/joined_rooms' && r.method === 'GET') return { body: { joined_rooms: [...joined] } };
    const send = /^\/rooms\/([^/]+)\/send\/m\.room\.message\/([^/]+)$/.exec(path);
    if (send && r.method === 'PUT') {
      const roomId = decodeURIComponent(send[1] ?? '');
      if (!joined.has(roomId)) return error(403, 'M_FORBIDDEN', `User @${MATRIX.user}:${MATRIX.server} not in room ${roomId}`);
      const body = r.json<{ msgtype?: unknown; body?: unknown }>();
      if (body?.msgtype !== 'm.text' || typeof body.body !== 'string' || body.body === '')
        return error(400, 'M_BAD_JSON', 'Content must have msgtype and body');
      const key = `${auth}|${roomId}|${send[2] ?? ''}`;
      const existing = seenTxn.get(key);
      if (existing) return { body: { event_id: existing } };
      const eventId = `$event${seenTxn.size + 1}`;
      seenTxn.set(key, eventId);
      messages.set(roomId, [...(messages.get(roomId) ?? []), body.body]);
      return { body: { event_id: eventId } };
    }
    return error(404, 'M_UNRECOGNIZED', `Unrecognized request ${r.method} ${path}`);
  });

  return {
    messages,
    rejections,
    logins: () => logins,
    preJoin: (roomId) => joined.add(roomId),
    revokeTokens() {
      tokens.clear();
    },
  };
}
