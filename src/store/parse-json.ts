// Reading JSON records from annotations. A record is absent, readable, or unreadable; an unreadable
// record is never an exception (a garbled annotation means "do nothing", not a crash), and it keeps
// its raw text so a caller can show or report it.

export type Parsed<T> =
  { readonly state: 'absent' } | { readonly state: 'ok'; readonly value: T } | { readonly state: 'unreadable'; readonly raw: string };

/** The JSON value of `text`, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** A JSON object, checked by `valid`; anything else is unreadable. */
export function parseJsonRecord<T extends object>(text: string | undefined, valid: (value: Partial<T>) => boolean = () => true): Parsed<T> {
  if (!text) return { state: 'absent' };
  const value = parseJson(text);
  return typeof value === 'object' && value !== null && !Array.isArray(value) && valid(value as Partial<T>)
    ? { state: 'ok', value: value as T }
    : { state: 'unreadable', raw: text };
}

/** The record, or undefined when it is absent or unreadable. */
export function jsonRecord<T extends object>(text: string | undefined): T | undefined {
  const parsed = parseJsonRecord<T>(text);
  return parsed.state === 'ok' ? parsed.value : undefined;
}
