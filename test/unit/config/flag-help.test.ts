// What `--help` tells an operator: every notification scheme kreboot has, "repeatable" once, the
// values a flag takes, and what a command does before its flags.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FLAGS, NOTIFY_SCHEMES } from '../../../src/config/flags.ts';
import { usage } from '../../../src/config/parse-flags.ts';
import { SERVICES } from '../../../src/notify/service-registry.ts';

const CLI = join(import.meta.dirname, '..', '..', '..', 'src', 'cli.ts');

describe('--help', () => {
  it("--notify-url's help names every scheme the notifier registry has", () => {
    assert.deepEqual([...NOTIFY_SCHEMES].sort(), Object.keys(SERVICES).sort());
    const help = FLAGS.find((flag) => flag.name === 'notify-url')!.help;
    for (const scheme of Object.keys(SERVICES)) assert.ok(help.includes(scheme), `${scheme} in "${help}"`);
  });

  it('says "repeatable" once per flag, and lists the values of a flag that has a fixed set', () => {
    for (const role of ['controller', 'agent', 'cli'] as const) {
      const text = usage(role, `kreboot ${role}`);
      for (const line of text.split('\n')) assert.ok((line.match(/repeatable/g) ?? []).length <= 1, `${role}: ${line}`);
    }
    assert.match(usage('cli', 'kreboot status'), /--output string\n\s+output format of status and plan; one of text, json/);
  });

  it('`kreboot plan --help` says what plan does before its flags', () => {
    const run = spawnSync(process.execPath, [CLI, 'plan', '--help'], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const [before] = run.stdout.split('Flags');
    assert.match(before!, /dry run/);
    assert.match(before!, /waves/);
  });
});
