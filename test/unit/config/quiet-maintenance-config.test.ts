// The flags of quiet maintenance (Alertmanager silences), --alert-ignore-silenced and --max-node-age:
// defaults, conversion, every problem at once, and --help listing them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadAgentConfig } from '../../../src/config/agent-config.ts';
import { loadControllerConfig } from '../../../src/config/controller-config.ts';
import { usage } from '../../../src/config/parse-flags.ts';

const OPEN = ['--webhook-auth=none'];

describe('quiet maintenance and node age flags', () => {
  it('are off by default, with the default matcher sets parsed', () => {
    const { config, problems } = loadControllerConfig(OPEN, {});
    assert.deepEqual(problems, []);
    assert.equal(config.alertmanager.url, undefined);
    assert.equal(config.alertmanager.timeoutMs, 10_000);
    assert.equal(config.prometheus.alertIgnoreSilenced, false);
    assert.equal(config.maxNodeAgeMs, 0);
    assert.equal(config.alertmanager.silenceMatchers.length, 2);
    assert.ok(config.alertmanager.silenceMatchers.every((set) => set.some((m) => m.value.includes('{{node}}'))));
    assert.ok(Object.isFrozen(config.alertmanager.silenceMatchers[0]));
  });

  it('converts the URL, matcher sets (repeatable, commas kept), the option and the age', () => {
    const { config, problems } = loadControllerConfig(
      [
        ...OPEN,
        '--alertmanager-url=http://am:9093/am',
        '--prometheus-url=http://prom:9090',
        '--alert-ignore-silenced',
        '--max-node-age=720h',
        '--silence-matchers=alertname="KubeNodeNotReady", node="{{node}}"',
        '--silence-matchers',
        '{alertname=~"A|B",host=~"{{node}}(:[0-9]+)?"}',
      ],
      {},
    );
    assert.deepEqual(problems, []);
    assert.equal(config.alertmanager.url?.href, 'http://am:9093/am');
    assert.equal(config.prometheus.alertIgnoreSilenced, true);
    assert.equal(config.maxNodeAgeMs, 720 * 3_600_000);
    assert.deepEqual(config.alertmanager.silenceMatchers, [
      [
        { name: 'alertname', value: 'KubeNodeNotReady', isRegex: false, isEqual: true },
        { name: 'node', value: '{{node}}', isRegex: false, isEqual: true },
      ],
      [
        { name: 'alertname', value: 'A|B', isRegex: true, isEqual: true },
        { name: 'host', value: '{{node}}(:[0-9]+)?', isRegex: true, isEqual: true },
      ],
    ]);
  });

  it('takes matcher sets from the environment one a line; an empty value turns silencing off', () => {
    const env = loadControllerConfig(OPEN, { KREBOOT_SILENCE_MATCHERS: 'node="{{node}}"\nalertname="X", instance="{{node}}"' }).config;
    assert.equal(env.alertmanager.silenceMatchers.length, 2);
    assert.deepEqual(loadControllerConfig([...OPEN, '--silence-matchers='], {}).config.alertmanager.silenceMatchers, []);
  });

  it('lists every problem at once', () => {
    const { problems } = loadControllerConfig(
      [
        ...OPEN,
        '--alertmanager-url=am:9093',
        '--alertmanager-username=kreboot',
        '--alertmanager-timeout=0',
        '--alert-ignore-silenced',
        '--silence-matchers=alertname="KubeNodeNotReady"',
        '--silence-matchers=node="{{node}}" job="x"',
        '--max-node-age=30m',
      ],
      {},
    );
    const expected = [
      /^--alertmanager-username and --alertmanager-password-file: give both/,
      /^--silence-matchers: "alertname="KubeNodeNotReady"": needs a = or =~ matcher with \{\{node\}\}/,
      /^--silence-matchers: "node="\{\{node\}\}" job="x"": expected ","/,
      /^--alertmanager-url: "am:9093" is not an http\(s\) URL/,
      /^--alertmanager-timeout: must be greater than 0/,
      /^--alert-ignore-silenced: needs --prometheus-url/,
      /^--max-node-age: must be 0 \(off\) or at least 1h/,
    ];
    for (const pattern of expected)
      assert.ok(
        problems.some((problem) => pattern.test(problem)),
        `missing ${pattern} in ${JSON.stringify(problems, null, 1)}`,
      );
    assert.equal(problems.length, expected.length, JSON.stringify(problems, null, 1));
    assert.match(
      loadControllerConfig([...OPEN, '--prometheus-url=http://p', '--alert-ignore-silenced'], {}).problems.join('\n'),
      /^--alert-ignore-silenced: needs --alertmanager-url/,
    );
  });

  it('--help lists every new flag with its help text, the default matcher sets quoted', () => {
    const controller = usage('controller', 'kreboot controller [flags]');
    for (const flag of [
      'alertmanager-url',
      'alertmanager-bearer-token-file',
      'alertmanager-username',
      'alertmanager-password-file',
      'alertmanager-ca-file',
      'alertmanager-timeout',
      'silence-matchers',
      'alert-ignore-silenced',
      'max-node-age',
    ]) {
      assert.match(controller, new RegExp(`^  --${flag}\\b.*\\n      \\S`, 'm'), flag);
    }
    assert.match(
      controller,
      /\(default 'alertname=~"KubeNodeNotReady\|KubeNodeUnreachable\|KubeNodeReadinessFlapping", node="\{\{node\}\}"' 'alertname=~/,
    );
    assert.match(usage('agent', 'kreboot agent [flags]'), /--proc-stat-file string\n.*btime.*\(default \/proc\/stat\)/);
  });

  it('the agent reads --proc-stat-file', () => {
    const base = ['--node-id=n1'];
    assert.equal(loadAgentConfig(base, {}).config.procStatFile, '/proc/stat');
    assert.equal(loadAgentConfig([...base, '--proc-stat-file=/host/proc/stat'], {}).config.procStatFile, '/host/proc/stat');
  });
});
