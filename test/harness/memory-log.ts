// A pino logger whose lines are kept in memory, for unit and integration tests alike: a test reads
// the lines it expects, and testLogger also prints them beside a failure (and only then).

import type { TestContext } from 'node:test';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { printOnFailure } from './on-failure.ts';

export interface MemoryLog {
  readonly log: Logger;
  /** Every line logged so far (JSON, one entry per line), oldest first. */
  readonly lines: string[];
}

/** Logs at debug level into `lines`. */
export function memoryLogger(): MemoryLog {
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

/** memoryLogger, whose lines (after `extra()`) are printed when the test fails. */
export function testLogger(t: TestContext, extra: () => string = () => ''): MemoryLog {
  const memory = memoryLogger();
  t.after(() => printOnFailure(t, () => `${extra()}\n--- log ---\n${memory.lines.join('\n')}`));
  return memory;
}
