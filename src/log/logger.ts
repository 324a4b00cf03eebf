// pino logger for every component: JSON for machines, and for --log-format=text (kured's default)
// kured's own text format, logrus' logfmt (logfmt.ts), with secrets redacted wherever they might
// appear in a logged object. Both formats keep the names kured's logs (logrus) had, so queries
// written for kured keep finding lines: `level` as a word, `time` as RFC 3339, the message in
// `msg`, and an error in `error`.

import { pino, type Logger } from 'pino';
import type { LogFormat } from '../config/load-config.ts';
import { logfmtDestination } from './logfmt.ts';

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
  // The same JSON event, rewritten as logfmt in-process and synchronously: no worker thread (about
  // 15 MB, on every node the agent runs on) and no package beyond pino.
  const out = options.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(base, logfmtDestination(out));
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
