// The recovery policies' flags (--stuck-node-*, ADR 0020): off by default (a node that does not
// come back halts the rollout, as before), parsed into one typed setting, and bad values refused at
// start with every problem named — never a label the API server would refuse mid-reboot.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadControllerConfig } from '../../../src/config/controller-config.ts';

const OPEN = ['--webhook-auth=none'];

describe('--stuck-node-* flags', () => {
  it('are off by default: no retry, no handoff', () => {
    const { config, problems } = loadControllerConfig(OPEN, {});
    assert.deepEqual(problems, []);
    assert.deepEqual(config.stuckNode, { retries: 0, retryWindowMs: 15 * 60_000 });
  });

  it('parse retries, the window, the remediation marks and its timeout', () => {
    const { config, problems } = loadControllerConfig(
      [
        ...OPEN,
        '--stuck-node-reboot-retries=2',
        '--max-reboot-attempts=3',
        '--stuck-node-retry-window=5m',
        '--stuck-node-remediation-label=repair.example.com/needed=true',
        '--stuck-node-remediation-annotation=cluster.x-k8s.io/remediate-machine=kreboot,note=',
        '--stuck-node-remediation-timeout=45m',
      ],
      {},
    );
    assert.deepEqual(problems, []);
    assert.deepEqual(config.stuckNode, {
      retries: 2,
      retryWindowMs: 5 * 60_000,
      remediation: {
        labels: { 'repair.example.com/needed': 'true' },
        annotations: { 'cluster.x-k8s.io/remediate-machine': 'kreboot', note: '' },
        timeoutMs: 45 * 60_000,
      },
    });
  });

  it('refuses every bad value at once, naming the flag', () => {
    const { problems } = loadControllerConfig(
      [
        ...OPEN,
        '--stuck-node-reboot-retries=2',
        '--stuck-node-remediation-label=Bad_Prefix.example.com/x=y,ok=not valid',
        '--stuck-node-remediation-annotation=noequals',
        '--stuck-node-remediation-timeout=0',
      ],
      {},
    );
    const text = problems.join('\n');
    assert.match(text, /--stuck-node-reboot-retries: 2 retries need --max-reboot-attempts of at least 3 \(it is 2\)/);
    assert.match(text, /--stuck-node-remediation-label: "Bad_Prefix\.example\.com\/x=y": the key prefix must be a DNS subdomain/);
    assert.match(text, /--stuck-node-remediation-label: "ok=not valid": a label value must be/);
    assert.match(text, /--stuck-node-remediation-annotation: "noequals" is not key=value/);
    assert.match(text, /--stuck-node-remediation-timeout: must be greater than 0/);
  });

  it('refuses more retries than the flag allows', () => {
    const { problems } = loadControllerConfig([...OPEN, '--stuck-node-reboot-retries=11'], {});
    assert.equal(problems.length > 0 && problems.some((problem) => problem.includes('--stuck-node-reboot-retries')), true);
  });
});
