// The result of fallible parsing and validation, one idiom for the whole code: a discriminated
// union on `ok`, so the compiler knows `value` is there only after the check and `error` (a message
// that names the problem) only on failure. Configuration still reports every problem at once: its
// builders collect the errors of each value into a list of problems (collectAll).

export type Result<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export const success = <T>(value: T): Result<T> => ({ ok: true, value });
export const failure = <T = never>(error: string): Result<T> => ({ ok: false, error });

/** Parses every text; the problems name the flag, so a bad value is reported with the others. */
export function collectAll<T>(
  texts: readonly string[],
  flag: string,
  parse: (text: string) => Result<T>,
): { values: T[]; problems: string[] } {
  const values: T[] = [];
  const problems: string[] = [];
  for (const text of texts) {
    const parsed = parse(text);
    if (parsed.ok) values.push(parsed.value);
    else problems.push(`${flag}: ${parsed.error}`);
  }
  return { values, problems };
}
