// pino logger for every component: JSON for machines, pretty text for people, and secrets redacted
// wherever they might appear in a logged object.

import { pino, type Logger } from 'pino';
import type { LogFormat } from '../config/load-config.ts';

export type { Logger } from 'pino';

/** Paths whose values never reach a log line: tokens, passwords, webhook and notification URLs. */
export const REDACT_PATHS = [
  'token', '*.token', 'password', '*.password', 'authorization', '*.authorization',
  'headers.authorization', 'req.headers.authorization', 'url', '*.url', 'notifyUrl', '*.notifyUrl', 'webhookUrl', '*.webhookUrl',
];

export function createLogger(options: { format: LogFormat; level: string; name: string; destination?: NodeJS.WritableStream }): Logger {
  const base = { level: options.level, name: options.name, redact: { paths: REDACT_PATHS, censor: '[redacted]' } };
  if (options.format === 'json') {
    return options.destination ? pino(base, options.destination as pino.DestinationStream) : pino(base);
  }
  return pino({
    ...base,
    transport: { target: 'pino-pretty', options: { colorize: false, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', destination: 1 } },
  });
}
