// Command lines split like a POSIX shell would, without a shell (--reboot-sentinel-command and
// --reboot-command).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommandSplitError, splitCommand } from '../../../src/agent/host/split-command.ts';

const CASES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['/bin/systemctl reboot', ['/bin/systemctl', 'reboot']],
  ['  spaced\tout \n words ', ['spaced', 'out', 'words']],
  ['sh -c "! needs-restarting --reboothint"', ['sh', '-c', '! needs-restarting --reboothint']],
  ["sh -c 'test -f /var/run/reboot-required'", ['sh', '-c', 'test -f /var/run/reboot-required']],
  ['echo "a \\"quoted\\" word"', ['echo', 'a "quoted" word']],
  ['echo "keep \\n backslash"', ['echo', 'keep \\n backslash']],
  ['echo \'single \\ keeps "all"\'', ['echo', 'single \\ keeps "all"']],
  ['echo a\\ b c', ['echo', 'a b', 'c']],
  ['echo \\"x\\"', ['echo', '"x"']],
  ['cmd "" \'\' x', ['cmd', '', '', 'x']],
  ['pre"fix"\'ed\' word', ['prefixed', 'word']],
  ['a \\\n b', ['a', 'b']],
  ['a && b; c | d > e', ['a', '&&', 'b;', 'c', '|', 'd', '>', 'e']],
  ['', []],
  ['   ', []],
];

for (const [input, expected] of CASES) {
  test(`splits ${JSON.stringify(input)}`, () => {
    assert.deepEqual(splitCommand(input), expected);
  });
}

const ERRORS: ReadonlyArray<readonly [string, RegExp]> = [
  ['sh -c "unclosed', /double quote is not closed/],
  ["sh -c 'unclosed", /single quote is not closed/],
  ['trailing \\', /lone backslash/],
];

for (const [input, message] of ERRORS) {
  test(`rejects ${JSON.stringify(input)}`, () => {
    assert.throws(
      () => splitCommand(input),
      (error: unknown) => error instanceof CommandSplitError && message.test(error.message),
    );
  });
}
