// The agent's typed configuration: kured defaults, the node name requirement, and problems listed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadAgentConfig } from '../../../src/config/agent-config.ts';

describe('loadAgentConfig', () => {
  it('builds kured-compatible defaults around the node name', () => {
    const { config, problems, notices } = loadAgentConfig([], { KURED_NODE_ID: 'worker-1' });
    assert.deepEqual(problems, []);
    assert.deepEqual(notices, []);
    assert.equal(config.nodeId, 'worker-1');
    assert.equal(config.periodMs, 3_600_000);
    assert.equal(config.rebootSentinel, '/var/run/reboot-required');
    assert.equal(config.rebootSentinelCommand, '');
    assert.equal(config.rebootMethod, 'command');
    assert.equal(config.rebootCommand, '/bin/systemctl reboot');
    assert.equal(config.rebootSignal, 39);
    assert.ok(Object.isFrozen(config));
  });

  it("runs a kured agent argument list, with notices for the controller's flags", () => {
    const argv = [
      '--ds-name=kured',
      '--period=1h',
      '--reboot-sentinel-command=""',
      '--reboot-days=mo',
      '--start-time=22:00',
      '--node-id=n1',
    ];
    const { config, problems, notices } = loadAgentConfig(argv, {});
    assert.deepEqual(problems, []);
    assert.equal(config.rebootSentinelCommand, '');
    assert.deepEqual(notices, [
      '--ds-name takes effect in the controller; the agent ignores it',
      '--reboot-days takes effect in the controller; the agent ignores it',
      '--start-time takes effect in the controller; the agent ignores it',
    ]);
  });

  it('lists every problem at once', () => {
    const { problems } = loadAgentConfig(['--period=0', '--reboot-signal=99', '--reboot-method=halt', '--reboot-command=  '], {});
    assert.deepEqual(problems, [
      '--reboot-method: "halt" is not one of command, signal',
      '--reboot-signal: 99 is out of range (1..64)',
      '--node-id: the agent needs its node name; set --node-id or KURED_NODE_ID (usually from the downward API: fieldRef spec.nodeName)',
      '--period: must be greater than 0',
      '--reboot-command: must not be empty with --reboot-method=command',
    ]);
  });

  it('allows an empty reboot command when the method is a signal', () => {
    assert.deepEqual(loadAgentConfig(['--node-id=n1', '--reboot-method=signal', '--reboot-command='], {}).problems, []);
  });
});

describe('host hook commands (ADR 0019)', () => {
  it('are split like the sentinel command, by hook point; none given is none', async () => {
    const { buildHostHooks } = await import('../../../src/agent/parts.ts');
    const problems: string[] = [];
    const { config } = loadAgentConfig(
      ['--node-id=n1', `--pre-drain-hook-command=sh -c 'ceph osd set noout'`, '--post-reboot-hook-command=/usr/local/bin/warm --all'],
      {},
    );
    assert.deepEqual(buildHostHooks(config, problems), {
      'pre-drain': ['sh', '-c', 'ceph osd set noout'],
      'post-reboot': ['/usr/local/bin/warm', '--all'],
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(buildHostHooks(loadAgentConfig(['--node-id=n1'], {}).config, problems), {});
  });

  it('a command that cannot be split is a problem naming its flag', async () => {
    const { buildHostHooks } = await import('../../../src/agent/parts.ts');
    const problems: string[] = [];
    buildHostHooks(loadAgentConfig(['--node-id=n1', `--post-reboot-hook-command=sh -c 'unclosed`], {}).config, problems);
    assert.equal(problems.length, 1);
    assert.match(problems[0]!, /^--post-reboot-hook-command: cannot split/);
  });
});
