// The controller's typed configuration: kured defaults, every problem listed, and a frozen result.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadControllerConfig } from '../../../src/config/controller-config.ts';

const OPEN = ['--webhook-auth=none'];

describe('loadControllerConfig', () => {
  it('builds kured-compatible defaults', () => {
    const { config, problems } = loadControllerConfig(OPEN, {});
    assert.deepEqual(problems, []);
    assert.equal(config.concurrency, 1);
    assert.deepEqual(config.lock, {
      dsNamespace: 'kube-system',
      dsName: 'kured',
      annotation: 'weave.works/kured-node-lock',
      ttlMs: 0,
      releaseDelayMs: 0,
    });
    assert.equal(config.notify.templates.drain, 'Draining node %s');
    assert.equal(config.notify.slackUsername, 'kured');
    assert.equal(config.prometheus.url, undefined);
    assert.equal(config.prometheus.alertFilter, undefined, 'an empty regexp filters nothing');
    assert.equal(config.rebootAlert?.source, '^RebootRequired$');
    assert.equal(config.leaderElection.namespace, 'kube-system', 'the Lease lives next to the lock by default');
    assert.equal(config.rebootTimeoutMs, 30 * 60_000);
    assert.equal(config.metricsPort, 8080);
    assert.equal(config.logFormat, 'text');
  });

  it('converts durations, labels, URLs and regular expressions', () => {
    const { config, problems } = loadControllerConfig(
      [
        ...OPEN,
        '--drain-timeout=1h30m',
        '--lock-ttl=90s',
        '--pre-reboot-node-labels=a=1,b=2',
        '--prometheus-url=http://prom:9090',
        '--alert-filter-regexp=^(Watchdog|Info)$',
      ],
      {},
    );
    assert.deepEqual(problems, []);
    assert.equal(config.drain.timeoutMs, 90 * 60_000);
    assert.equal(config.lock.ttlMs, 90_000);
    assert.deepEqual(config.preRebootNodeLabels, { a: '1', b: '2' });
    assert.equal(config.prometheus.url?.href, 'http://prom:9090/');
    assert.equal(config.prometheus.alertFilter?.test('Watchdog'), true);
  });

  it('lists every problem, from parsing and from checks, at once', () => {
    const { problems } = loadControllerConfig(
      [
        '--concurrency=0',
        '--pre-reboot-node-labels=nolabel',
        '--prometheus-url=ftp://x',
        '--alert-filter-regexp=(',
        '--webhook-username=am',
        '--lock-ttl=-5m',
        '--reboot-timeout=0',
        '--unknown',
      ],
      {},
    );
    const expected = [
      /^--unknown: unknown flag/,
      /^--webhook-token-file or --webhook-username\/--webhook-password-file: the webhook needs credentials/,
      /^--webhook-username and --webhook-password-file: give both/,
      /^--concurrency: 0 is out of range \(1\.\.1000\)/,
      /^--lock-ttl: must not be negative/,
      /^--pre-reboot-node-labels: "nolabel" is not key=value/,
      /^--prometheus-url: "ftp:\/\/x" is not an http\(s\) URL/,
      /^--alert-filter-regexp: "\(" is not a valid regular expression/,
      /^--reboot-timeout: must be greater than 0/,
    ];
    for (const pattern of expected)
      assert.ok(
        problems.some((problem) => pattern.test(problem)),
        `missing ${pattern} in ${JSON.stringify(problems, null, 1)}`,
      );
    assert.equal(problems.length, expected.length);
  });

  it('accepts webhook credentials instead of --webhook-auth=none', () => {
    assert.deepEqual(loadControllerConfig(['--webhook-token-file=/etc/kreboot/token'], {}).problems, []);
    assert.deepEqual(loadControllerConfig(['--webhook-username=am', '--webhook-password-file=/p'], {}).problems, []);
  });

  it('returns a deeply frozen object', () => {
    const { config } = loadControllerConfig(OPEN, {});
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.lock));
    assert.ok(Object.isFrozen(config.notify.templates));
    assert.throws(() => {
      (config as { concurrency: number }).concurrency = 5;
    }, TypeError);
  });

  it('takes values from KURED_ and KREBOOT_ variables, the command line winning', () => {
    const { config } = loadControllerConfig([...OPEN, '--concurrency=4'], {
      KURED_CONCURRENCY: '2',
      KREBOOT_CONCURRENCY: '3',
      KURED_DS_NAME: 'kured-ds',
    });
    assert.equal(config.concurrency, 4);
    assert.equal(config.lock.dsName, 'kured-ds');
  });
});
