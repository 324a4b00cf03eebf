// Credentials for the webhook and the admin API: read once at start, compared in constant time.
// Both sides are hashed first, so the compare always runs on equal-length buffers and the length of
// the secret leaks nothing (crypto.timingSafeEqual throws on unequal lengths).

import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

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

/** Reads a secret file; trailing newlines (and surrounding blanks) are not part of the secret. */
export function readSecretFile(path: string, flag: string, problems: string[]): string | undefined {
  try {
    const secret = readFileSync(path, 'utf8').trim();
    if (secret === '') problems.push(`${flag}: ${path} is empty`);
    return secret === '' ? undefined : secret;
  } catch (error) {
    // The message names the file and the errno, never the content.
    problems.push(`${flag}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    return undefined;
  }
}

/** An authenticator from a bearer token and/or a basic-auth pair; undefined members are not accepted. */
export function createAuthenticator(options: { token?: string; username?: string; password?: string; realm?: string }): Authenticator {
  const realm = options.realm ?? 'kreboot';
  const token = options.token === undefined ? undefined : digest(options.token);
  const basic = options.username !== undefined && options.password !== undefined ? digest(`${options.username}:${options.password}`) : undefined;
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

export interface WebhookAuthConfig {
  readonly auth: 'auto' | 'none';
  readonly tokenFile: string;
  readonly username: string;
  readonly passwordFile: string;
}

/**
 * The webhook's authenticator from config.webhook. Missing credentials without --webhook-auth=none
 * are already a config problem; here only unreadable or empty files are reported.
 */
export function loadWebhookAuth(config: WebhookAuthConfig): { auth: Authenticator; problems: string[] } {
  const problems: string[] = [];
  if (config.auth === 'none' && config.tokenFile === '' && config.passwordFile === '') return { auth: ALLOW_ALL, problems };
  const token = config.tokenFile === '' ? undefined : readSecretFile(config.tokenFile, '--webhook-token-file', problems);
  const password = config.passwordFile === '' ? undefined : readSecretFile(config.passwordFile, '--webhook-password-file', problems);
  const username = config.username === '' ? undefined : config.username;
  if (token === undefined && (username === undefined || password === undefined)) {
    // Fail closed: with unreadable files nothing is accepted (main refuses to start anyway).
    return { auth: { scheme: 'bearer', challenge: 'Bearer realm="kreboot"', check: () => false }, problems };
  }
  return { auth: createAuthenticator({ token, username, password }), problems };
}

/** The admin token (--admin-token-file) for POST pause/resume/reboot; undefined when not configured. */
export function loadTokenAuth(file: string, flag: string): { auth: Authenticator | undefined; problems: string[] } {
  const problems: string[] = [];
  if (file === '') return { auth: undefined, problems };
  const token = readSecretFile(file, flag, problems);
  return { auth: token === undefined ? undefined : createAuthenticator({ token }), problems };
}
