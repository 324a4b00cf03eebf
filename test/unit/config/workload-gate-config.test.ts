// The workload gate's flags (ADR 0018): on by default with a 30 min timeout that halts, kured's
// behaviour with --workload-gate=false (also from KURED_/KREBOOT_ environment), bad values named
// at once, and --help listing them.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadControllerConfig } from '../../../src/config/controller-config.ts';
import { usage } from '../../../src/config/parse-flags.ts';

const OPEN = ['--webhook-auth=none'];

describe('workload gate flags', () => {
  it('are on by default: 30 min, then halt', () => {
    const { config, problems } = loadControllerConfig(OPEN, {});
    assert.deepEqual(problems, []);
    assert.deepEqual(config.workloadGate, { enabled: true, timeoutMs: 30 * 60_000, onTimeout: 'halt' });
  });

  it('turn off, wait for ever or continue, from flags or the environment (a flag wins)', () => {
    const off = loadControllerConfig(
      [...OPEN, '--workload-gate=false', '--workload-gate-timeout=0', '--workload-gate-timeout-action=continue'],
      {},
    );
    assert.deepEqual(off.problems, []);
    assert.deepEqual(off.config.workloadGate, { enabled: false, timeoutMs: 0, onTimeout: 'continue' });
    const fromEnv = loadControllerConfig(OPEN, { KREBOOT_WORKLOAD_GATE: 'false', KREBOOT_WORKLOAD_GATE_TIMEOUT: '10m' });
    assert.deepEqual(fromEnv.config.workloadGate, { enabled: false, timeoutMs: 600_000, onTimeout: 'halt' });
    const flagWins = loadControllerConfig([...OPEN, '--workload-gate=true'], { KREBOOT_WORKLOAD_GATE: 'false' });
    assert.equal(flagWins.config.workloadGate.enabled, true);
  });

  it('name every bad value at once', () => {
    const { problems } = loadControllerConfig([...OPEN, '--workload-gate-timeout=soon', '--workload-gate-timeout-action=stop'], {});
    assert.ok(
      problems.some((problem) => /^--workload-gate-timeout: .*soon/.test(problem)),
      JSON.stringify(problems),
    );
    assert.ok(
      problems.some((problem) => /^--workload-gate-timeout-action: "stop" is not one of halt, continue/.test(problem)),
      JSON.stringify(problems),
    );
  });

  it('are listed by --help with their defaults', () => {
    const help = usage('controller', 'kreboot controller [flags]');
    assert.match(help, /--workload-gate\b[^\n]*\n[^\n]*\(default true\)/);
    assert.match(help, /--workload-gate-timeout\b[^\n]*\n[^\n]*\(default 30m\)/);
    assert.match(help, /--workload-gate-timeout-action\b[^\n]*\n[^\n]*one of halt, continue \(default halt\)/);
  });
});
