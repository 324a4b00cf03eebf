// Flag parsing as a kured user meets it: both flag syntaxes, the environment under two prefixes, the
// command line winning, every problem at once, and kured flags of the other role accepted.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFlags } from '../../../src/config/parse-flags.ts';

describe('parseFlags: the command line', () => {
  it('accepts --name=value and --name value', () => {
    const parsed = parseFlags('controller', ['--ds-name=kured-a', '--ds-namespace', 'ops'], {});
    assert.deepEqual(parsed.errors, []);
    assert.equal(parsed.values.get('ds-name'), 'kured-a');
    assert.equal(parsed.values.get('ds-namespace'), 'ops');
    assert.equal(parsed.sources.get('ds-name'), 'flag');
  });

  it('reads a boolean flag without a value as true, and accepts explicit values', () => {
    const parsed = parseFlags('controller', ['--force-reboot', '--annotate-nodes=false', '--alert-firing-only=1'], {});
    assert.deepEqual(parsed.errors, []);
    assert.equal(parsed.values.get('force-reboot'), true);
    assert.equal(parsed.values.get('annotate-nodes'), false);
    assert.equal(parsed.values.get('alert-firing-only'), true);
  });

  it('gives every flag of the role its kured default when nothing is set', () => {
    const parsed = parseFlags('controller', [], {});
    assert.equal(parsed.values.get('lock-annotation'), 'weave.works/kured-node-lock');
    assert.equal(parsed.values.get('ds-name'), 'kured');
    assert.equal(parsed.values.get('concurrency'), 1);
    assert.deepEqual(parsed.values.get('reboot-days'), ['su', 'mo', 'tu', 'we', 'th', 'fr', 'sa']);
    assert.equal(parsed.sources.get('concurrency'), 'default');
    assert.equal(parsed.values.has('reboot-sentinel'), false, 'an agent flag is not a controller value');
  });

  it('splits a StringSlice flag on commas and appends repeats', () => {
    const parsed = parseFlags('controller', ['--reboot-days=mo,tu', '--reboot-days', 'we'], {});
    assert.deepEqual(parsed.values.get('reboot-days'), ['mo', 'tu', 'we']);
  });

  it('never splits a StringArray flag (selectors contain commas) and appends repeats', () => {
    const parsed = parseFlags('controller', ['--blocking-pod-selector=app=db,tier=data', '--blocking-pod-selector=job=backup'], {});
    assert.deepEqual(parsed.values.get('blocking-pod-selector'), ['app=db,tier=data', 'job=backup']);
  });

  it('treats the literal "" that kured manifests pass as an empty value', () => {
    const parsed = parseFlags('agent', ['--reboot-sentinel-command=""', `--reboot-command='/sbin/reboot now'`], {});
    assert.deepEqual(parsed.errors, []);
    assert.equal(parsed.values.get('reboot-sentinel-command'), '');
    assert.equal(parsed.values.get('reboot-command'), '/sbin/reboot now');
  });

  it('keeps positionals and everything after --', () => {
    const parsed = parseFlags('cli', ['node-1', '--reason=patch', '--', '--not-a-flag'], {});
    assert.deepEqual(parsed.positionals, ['node-1', '--not-a-flag']);
    assert.equal(parsed.values.get('reason'), 'patch');
  });

  it('recognises --help and -h', () => {
    assert.equal(parseFlags('agent', ['--help'], {}).help, true);
    assert.equal(parseFlags('agent', ['-h'], {}).help, true);
    assert.equal(parseFlags('agent', [], {}).help, false);
  });
});

describe('parseFlags: problems', () => {
  it('reports every problem at once, each naming its flag', () => {
    const parsed = parseFlags(
      'controller',
      [
        '-c',
        '--bad',
        '--concurency=2',
        '--concurrency=two',
        '--drain-timeout=soon',
        '--log-format=xml',
        '--force-reboot=maybe',
        '--ds-name',
      ],
      {},
    );
    assert.deepEqual(parsed.errors, [
      '-c: flags take two dashes (--name=value)',
      '--bad: unknown flag',
      '--concurency: unknown flag (did you mean --concurrency?)',
      '--concurrency: "two" is not a whole number',
      '--drain-timeout: "soon" is not a duration (examples: 90s, 30m, 1h30m)',
      '--log-format: "xml" is not one of json, text',
      '--force-reboot: "maybe" is not a boolean (true or false)',
      '--ds-name: needs a value',
    ]);
  });

  it('reports bad environment values under the variable name', () => {
    const parsed = parseFlags('agent', [], { KURED_PERIOD: 'hourly', KREBOOT_REBOOT_SIGNAL: 'x' });
    assert.deepEqual(parsed.errors, [
      'KURED_PERIOD: "hourly" is not a duration (examples: 90s, 30m, 1h30m)',
      'KREBOOT_REBOOT_SIGNAL: "x" is not a whole number',
    ]);
    assert.equal(parsed.values.get('period'), '1h', 'the default stays when the environment is bad');
  });

  it('rejects a flag that belongs only to the command-line client', () => {
    const parsed = parseFlags('controller', ['--server=http://x'], {});
    assert.deepEqual(parsed.errors, ['--server: not a flag of the controller']);
  });
});

describe('parseFlags: kured flags of the other role', () => {
  it('accepts them with one notice each naming where they take effect', () => {
    const parsed = parseFlags('agent', ['--concurrency=3', '--slack-hook-url', 'https://hooks.example/x', '--period=5m'], {});
    assert.deepEqual(parsed.errors, []);
    assert.deepEqual(parsed.notices, [
      '--concurrency takes effect in the controller; the agent ignores it',
      '--slack-hook-url takes effect in the controller; the agent ignores it',
    ]);
    assert.equal(parsed.values.get('period'), '5m');
    assert.equal(parsed.values.has('concurrency'), false);
  });

  it('does the same for agent flags given to the controller', () => {
    const parsed = parseFlags('controller', ['--reboot-sentinel=/var/run/reboot-required', '--period=1h'], {});
    assert.deepEqual(parsed.errors, []);
    assert.equal(parsed.notices.length, 2);
    assert.match(parsed.notices[0]!, /^--reboot-sentinel takes effect in the agent/);
  });
});

describe('parseFlags: the environment', () => {
  it('reads KURED_<NAME>', () => {
    const parsed = parseFlags('controller', [], { KURED_CONCURRENCY: '2', KURED_FORCE_REBOOT: 'true' });
    assert.equal(parsed.values.get('concurrency'), 2);
    assert.equal(parsed.values.get('force-reboot'), true);
    assert.equal(parsed.sources.get('concurrency'), 'env');
  });

  it('prefers KREBOOT_<NAME> over KURED_<NAME>', () => {
    const parsed = parseFlags('controller', [], { KURED_DS_NAME: 'kured', KREBOOT_DS_NAME: 'kreboot-agent' });
    assert.equal(parsed.values.get('ds-name'), 'kreboot-agent');
  });

  it('lets the command line win over both (kured let the environment win)', () => {
    const parsed = parseFlags('controller', ['--ds-name=from-flag'], { KURED_DS_NAME: 'kured', KREBOOT_DS_NAME: 'kreboot' });
    assert.equal(parsed.values.get('ds-name'), 'from-flag');
    assert.equal(parsed.sources.get('ds-name'), 'flag');
  });

  it('ignores empty variables, so the default stays', () => {
    const parsed = parseFlags('controller', [], { KREBOOT_DS_NAME: '', KURED_DS_NAME: 'from-kured' });
    assert.equal(parsed.values.get('ds-name'), 'from-kured');
    assert.equal(parseFlags('controller', [], { KURED_DS_NAME: '' }).values.get('ds-name'), 'kured');
  });

  it('treats a variable holding only "" as an empty value', () => {
    const parsed = parseFlags('agent', [], { KURED_REBOOT_SENTINEL_COMMAND: '""' });
    assert.equal(parsed.values.get('reboot-sentinel-command'), '');
  });

  it('splits a StringSlice variable on commas and a StringArray variable on lines', () => {
    const parsed = parseFlags('controller', [], {
      KURED_REBOOT_DAYS: 'sa,su',
      KURED_BLOCKING_POD_SELECTOR: 'app=db,tier=data\njob=backup\n',
    });
    assert.deepEqual(parsed.values.get('reboot-days'), ['sa', 'su']);
    assert.deepEqual(parsed.values.get('blocking-pod-selector'), ['app=db,tier=data', 'job=backup']);
  });

  it('reads the node name from KURED_NODE_ID or NODE_ID, and KUBECONFIG', () => {
    assert.equal(parseFlags('agent', [], { KURED_NODE_ID: 'n1' }).values.get('node-id'), 'n1');
    assert.equal(parseFlags('agent', [], { NODE_ID: 'n2' }).values.get('node-id'), 'n2');
    assert.equal(parseFlags('agent', [], { KUBECONFIG: '/k' }).values.get('kubeconfig'), '/k');
  });
});
