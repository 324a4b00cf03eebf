// pino logger for every component: JSON for machines, one readable line per event for people
// (kured's default --log-format=text), and secrets redacted wherever they might appear in a
// logged object. Both formats keep the names kured's logs (logrus) had, so queries written for
// kured keep finding lines: `level` as a word, `time` as RFC 3339, the message in `msg`, and an
// error in `error`.

import { pino, type Logger } from 'pino';
import { createRequire } from 'node:module';
import type { LogFormat } from '../config/load-config.ts';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line: tokens, passwords, webhook and notification URLs. */
const REDACT_PATHS = [
  'token',
  '*.token',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
  'url',
  '*.url',
  'notifyUrl',
  '*.notifyUrl',
  'webhookUrl',
  '*.webhookUrl',
];

/**
 * pino's level labels as logrus (kured) wrote them: logrus calls a warning "warning", so a kured
 * query for `level="warning"` must still match.
 */
const LEVEL_NAMES: Readonly<Record<string, string>> = {
  trace: 'trace',
  debug: 'debug',
  info: 'info',
  warn: 'warning',
  error: 'error',
  fatal: 'fatal',
};

export function createLogger(options: { format: LogFormat; level: string; name: string; destination?: NodeJS.WritableStream }): Logger {
  const base: pino.LoggerOptions = {
    level: options.level,
    name: options.name,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    // pid and hostname say nothing a pod's log does not already carry.
    base: undefined,
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: LEVEL_NAMES[label] ?? label }),
      log: renameErr,
    },
  };
  if (options.format === 'json') {
    return options.destination ? pino(base, options.destination as pino.DestinationStream) : pino(base);
  }
  // In-process and synchronous rather than pino's worker-thread transport: a worker thread costs
  // about 15 MB, which matters on every node the agent runs on. Loaded only for text, so the JSON
  // format (the DaemonSet's) does not carry pino-pretty's modules. singleLine keeps one event per
  // line (a multi-line event is split apart by every line-based log collector).
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const stream = pretty({
    colorize: false,
    translateTime: "UTC:yyyy-mm-dd'T'HH:MM:ss.l'Z'",
    ignore: 'pid,hostname',
    singleLine: true,
    // pino-pretty prints error objects and multi-line messages over several lines even with
    // singleLine; errors then go with the other fields as JSON, and a newline in a message as \n.
    errorLikeObjectKeys: [],
    messageFormat: (event, messageKey) => String(event[messageKey] ?? '').replace(/\r?\n/g, '\\n'),
    sync: true,
    ...(options.destination ? { destination: options.destination } : {}),
  });
  // pino-pretty reads pino's own numeric level and epoch time, so the text format keeps those.
  return pino({ ...base, formatters: { log: renameErr }, timestamp: pino.stdTimeFunctions.epochTime }, stream);
}

/**
 * kreboot code logs an error as the Error object under `err`, the field pino serializes; logrus
 * (kured) wrote it as `error`, so it is written under that name. pino's own `err` serializer does
 * not run on a renamed key, so the error is serialized here.
 */
function renameErr(object: Record<string, unknown>): Record<string, unknown> {
  if (!('err' in object)) return object;
  const { err, ...rest } = object;
  return { ...rest, error: err instanceof Error ? pino.stdSerializers.err(err) : err };
}
