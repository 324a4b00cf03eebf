// Inbound credentials, shared by the webhook and the admin API: authenticators that compare the
// Authorization header in constant time and follow their files (a rotated Secret works without a
// restart, secret-file.ts). Both sides are hashed first, so the compare always runs on
// equal-length buffers and the length of the secret leaks nothing (crypto.timingSafeEqual throws on
// unequal lengths).

import { createHash, timingSafeEqual } from 'node:crypto';
import { openSecretFile, type SecretFile, type SecretFileEvents } from './secret-file.ts';

export interface Authenticator {
  /** 'none' accepts every request (--webhook-auth=none, given explicitly). */
  readonly scheme: 'bearer' | 'basic' | 'bearer+basic' | 'none';
  /** True when the Authorization header carries the expected credentials. */
  check(authorization: string | undefined): boolean;
  /** The WWW-Authenticate challenge sent with a 401. */
  readonly challenge: string;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function same(expected: Buffer | undefined, provided: string): boolean {
  if (!expected) return false;
  return timingSafeEqual(expected, digest(provided));
}

/** An authenticator from a bearer token and/or a basic-auth pair; undefined members are not accepted. */
export function createAuthenticator(options: { token?: string; username?: string; password?: string; realm?: string }): Authenticator {
  const realm = options.realm ?? 'kreboot';
  const token = options.token === undefined ? undefined : digest(options.token);
  const basic =
    options.username !== undefined && options.password !== undefined ? digest(`${options.username}:${options.password}`) : undefined;
  const scheme = token && basic ? 'bearer+basic' : token ? 'bearer' : 'basic';
  return {
    scheme,
    challenge: basic && !token ? `Basic realm="${realm}"` : `Bearer realm="${realm}"`,
    check(authorization) {
      if (authorization === undefined) return false;
      const space = authorization.indexOf(' ');
      if (space <= 0) return false;
      const kind = authorization.slice(0, space).toLowerCase();
      const value = authorization.slice(space + 1).trim();
      if (kind === 'bearer') return same(token, value);
      if (kind === 'basic') return same(basic, Buffer.from(value, 'base64').toString('utf8'));
      return false;
    },
  };
}

export const ALLOW_ALL: Authenticator = Object.freeze({ scheme: 'none', challenge: '', check: () => true });

/**
 * An authenticator that follows its files: rebuilt when a file's content changes, so the digests
 * are computed once per secret, not per request.
 */
export function followingAuthenticator(files: { token?: SecretFile; username?: string; password?: SecretFile }): Authenticator {
  const values = () => ({ token: files.token?.current(), password: files.password?.current() });
  let last = values();
  let inner = createAuthenticator({ token: last.token, username: files.username, password: last.password });
  const scheme = files.token && files.password ? 'bearer+basic' : files.token ? 'bearer' : 'basic';
  return {
    scheme,
    challenge: inner.challenge,
    check(authorization) {
      const now = values();
      if (now.token !== last.token || now.password !== last.password) {
        last = now;
        inner = createAuthenticator({ token: now.token, username: files.username, password: now.password });
      }
      return inner.check(authorization);
    },
  };
}

/** The admin token (--admin-token-file) for POST pause/resume/reboot; undefined when not configured. */
export function loadTokenAuth(
  file: string,
  flag: string,
  events?: SecretFileEvents,
): { auth: Authenticator | undefined; problems: string[] } {
  const problems: string[] = [];
  if (file === '') return { auth: undefined, problems };
  const token = openSecretFile(file, flag, problems, { events });
  return { auth: token.current() === undefined ? undefined : followingAuthenticator({ token }), problems };
}
