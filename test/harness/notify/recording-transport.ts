// Small fakes for the notify unit tests: a transport that records requests and answers from a
// script, and a pino logger whose lines are kept in memory.

import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { HttpRequest, HttpResponse, HttpTransport } from '../../../src/notify/http-transport.ts';

export interface RecordingTransport extends HttpTransport {
  readonly requests: HttpRequest[];
}

/** Answers each request with the next scripted answer (the last one repeats), or 200 "ok". */
export function recordingTransport(answers: Array<HttpResponse | Error> = []): RecordingTransport {
  const requests: HttpRequest[] = [];
  return {
    requests,
    request(request) {
      requests.push(request);
      const answer = answers.length > 1 ? answers.shift() : answers[0];
      if (answer instanceof Error) return Promise.reject(answer);
      return Promise.resolve(answer ?? { status: 200, headers: {}, body: 'ok' });
    },
  };
}

export function memoryLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

export const notifyConfig = (
  overrides: Partial<{ urls: string[]; slackHookUrl: string; slackUsername: string; slackChannel: string }> = {},
) => ({
  urls: overrides.urls ?? [],
  slackHookUrl: overrides.slackHookUrl ?? '',
  slackUsername: overrides.slackUsername ?? 'kured',
  slackChannel: overrides.slackChannel ?? '',
  templates: { drain: 'Draining node %s', reboot: 'Rebooting node %s', uncordon: 'Node %s rebooted & uncordoned successfully!' },
});
