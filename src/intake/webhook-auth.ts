// The webhook's credentials (--webhook-auth, --webhook-token-file, --webhook-username,
// --webhook-password-file), built on the shared authenticators of src/auth/.

import { ALLOW_ALL, followingAuthenticator, type Authenticator } from '../auth/authenticator.ts';
import { openSecretFile, type SecretFileEvents } from '../auth/secret-file.ts';

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
export function loadWebhookAuth(config: WebhookAuthConfig, events?: SecretFileEvents): { auth: Authenticator; problems: string[] } {
  const problems: string[] = [];
  if (config.auth === 'none' && config.tokenFile === '' && config.passwordFile === '') return { auth: ALLOW_ALL, problems };
  const token = config.tokenFile === '' ? undefined : openSecretFile(config.tokenFile, '--webhook-token-file', problems, { events });
  const password =
    config.passwordFile === '' ? undefined : openSecretFile(config.passwordFile, '--webhook-password-file', problems, { events });
  const username = config.username === '' ? undefined : config.username;
  if (token?.current() === undefined && (username === undefined || password?.current() === undefined)) {
    // Fail closed: with unreadable files nothing is accepted (main refuses to start anyway).
    return { auth: { scheme: 'bearer', challenge: 'Bearer realm="kreboot"', check: () => false }, problems };
  }
  return { auth: followingAuthenticator({ token, username, password: username === undefined ? undefined : password }), problems };
}
