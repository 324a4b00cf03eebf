// Shared bits of the notify integration tests: a logger kept in memory (printed when a test
// fails) and reading the notification counter from a registry.

import type { TestContext } from 'node:test';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { printOnFailure } from './on-failure.ts';

export function testLogger(t: TestContext, extra: () => string = () => ''): { log: Logger; lines: string[] } {
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
  t.after(() => printOnFailure(t, () => `${extra()}\n--- notify log ---\n${lines.join('\n')}`));
  return { log: pino({ level: 'debug' }, stream), lines };
}

export async function counted(registry: Registry, service: string, result: string): Promise<number> {
  const text = await registry.getSingleMetricAsString('kreboot_notifications_total');
  const line = text.split('\n').find((l) => l.includes(`service="${service}"`) && l.includes(`result="${result}"`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}
