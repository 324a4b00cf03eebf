// How a notification URL may be shown: its scheme only. Every other part of a shoutrrr URL can be
// a credential (tokens in the user, host or path; ntfy topics; webhook paths), so none is shown.

/** `slack://…` for any URL that has a scheme, `(not a URL)` otherwise. */
export function redactUrl(raw: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(raw.trim());
  return match ? `${match[1]!.toLowerCase()}://…` : '(not a URL)';
}

/** Removes every known secret from a text, in case a service echoes one back in an error. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 4) out = out.split(secret).join('[redacted]');
  return out;
}
