// Configuration problems are printed once each, with the count, then the --help hint.

import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { reportProblems } from '../../../src/process/exit.ts';

test('every problem once (two builders may report the same unreadable file), notices first', () => {
  const out = new PassThrough();
  const same = '--alertmanager-bearer-token-file: cannot read /t (ENOENT)';
  assert.equal(
    reportProblems(
      'controller',
      { problems: [same, '--concurrency: 0 is out of range (1..1000)', same], notices: ['--period takes effect in the agent'] },
      out,
    ),
    false,
  );
  assert.equal(
    String(out.read()),
    [
      'kreboot controller: notice: --period takes effect in the agent',
      'kreboot controller: 2 problem(s) with the configuration:',
      `  - ${same}`,
      '  - --concurrency: 0 is out of range (1..1000)',
      'Run "kreboot controller --help" for the list of flags.',
      '',
    ].join('\n'),
  );
  assert.equal(reportProblems('agent', { problems: [], notices: [] }, new PassThrough()), true);
});
