// kured's text log format, logrus' TextFormatter without a terminal: one logfmt line per event,
// `time="2026-12-01T20:20:25.370Z" level=info msg="Reboot required" node=worker-1`: time, level
// and msg first, then the fields in key order (as logrus sorts them). pino writes each event as a
// JSON line to this destination, which rewrites it; being synchronous and in-process it needs no
// worker thread and no extra package in the image.

/** Where pino writes: anything with a synchronous `write(string)`. */
export interface LineSink {
  write(text: string): unknown;
}

const FIRST = ['time', 'level', 'msg'];
// logrus writes a value bare when it has only these characters, and quotes it otherwise.
const BARE = /^[A-Za-z0-9\-._/@^+]+$/;

/** A pino destination that writes logfmt to `out`. */
export function logfmtDestination(out: LineSink): { write(line: string): void } {
  return {
    write(chunk: string) {
      for (const line of chunk.split('\n')) if (line !== '') out.write(`${toLogfmt(line)}\n`);
    },
  };
}

/** One pino JSON line as logfmt; a line that is not JSON (pino writes none) is kept whole as the message. */
export function toLogfmt(json: string): string {
  let event: Record<string, unknown>;
  try {
    event = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return `time=${quote(new Date().toISOString())} level=info msg=${quote(json)}`;
  }
  // Every line has a msg, as logrus writes one even when it is empty.
  if (!('msg' in event)) event.msg = '';
  const keys = [
    ...FIRST.filter((k) => k in event),
    ...Object.keys(event)
      .filter((k) => !FIRST.includes(k))
      .sort(),
  ];
  const pairs: string[] = [];
  for (const key of keys) {
    const value = text(key, event[key]);
    if (value !== undefined) pairs.push(`${safeKey(key)}=${key === 'time' ? quote(value) : format(value)}`);
  }
  return pairs.join(' ');
}

/** A field as text: an error (logger.ts writes it under `error`) as its message, as logrus' WithError does. */
function text(key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (key === 'error' && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
    return (value as { message: string }).message;
  }
  return JSON.stringify(value);
}

function format(value: string): string {
  return BARE.test(value) ? value : quote(value);
}

/** Go's strconv.Quote for what a log line holds: JSON's string escapes are the same for these. */
function quote(value: string): string {
  return JSON.stringify(value);
}

/** Keys come from code, but a key with a space, `=` or `"` would break the line: replace those. */
function safeKey(key: string): string {
  return key.replace(/[\s="]/g, '_') || '_';
}
