// Reading JSON records from annotations: a record is a JSON object; anything else is unreadable.

export type Parsed<T> = { readonly state: 'absent' } | { readonly state: 'ok'; readonly value: T } | { readonly state: 'unreadable' };

export function parseJsonRecord<T extends object>(text: string | undefined): Parsed<T> {
  if (!text) return { state: 'absent' };
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? { state: 'ok', value: value as T } : { state: 'unreadable' };
  } catch {
    return { state: 'unreadable' };
  }
}

/** The record, or undefined when it is absent or unreadable. */
export function jsonRecord<T extends object>(text: string | undefined): T | undefined {
  const parsed = parseJsonRecord<T>(text);
  return parsed.state === 'ok' ? parsed.value : undefined;
}
