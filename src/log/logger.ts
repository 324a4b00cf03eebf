// pino logger for every component: JSON for machines, readable text for people (kured's default
// --log-format=text), and secrets redacted wherever they might appear in a logged object.

import { pino, type Logger } from 'pino';
import { createRequire } from 'node:module';
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
  // In-process and synchronous rather than pino's worker-thread transport: a worker thread costs
  // about 15 MB, which matters on every node the agent runs on. Loaded only for text, so the JSON
  // format (the DaemonSet's) does not carry pino-pretty's modules.
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof import('pino-pretty');
  const stream = pretty({ colorize: false, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true, ...(options.destination ? { destination: options.destination } : {}) });
  return pino(base, stream);
}
