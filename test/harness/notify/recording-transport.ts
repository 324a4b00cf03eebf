// A fake HttpTransport for the notify tests: it records every request and answers from a script,
// so a notifier's requests are checked without a server.

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
