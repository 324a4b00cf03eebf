// The agent's /metrics content: kured's gauge and kreboot_agent_* from the last check.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createAgentMetrics } from '../../../src/agent/metrics.ts';

test('kured_reboot_required follows the last check; errors are counted', async () => {
  const registry = new Registry();
  const metrics = createAgentMetrics(registry, 'n1');
  assert.doesNotMatch(await registry.metrics(), /^kured_reboot_required\{/m, 'no sample before the first check');
  metrics.checked({ required: true }, new Date('2026-11-26T10:00:00Z'));
  let text = await registry.metrics();
  assert.match(text, /^kured_reboot_required\{node="n1"\} 1$/m);
  assert.match(text, /^kreboot_agent_sentinel_last_check_timestamp_seconds 1795687200$/m);
  metrics.checked({ required: false, error: 'sentinel command exit code 127' }, new Date('2026-11-26T11:00:00Z'));
  metrics.jobOutcome('failed');
  text = await registry.metrics();
  assert.match(text, /^kured_reboot_required\{node="n1"\} 0$/m);
  assert.match(text, /^kreboot_agent_sentinel_checks_total 2$/m);
  assert.match(text, /^kreboot_agent_sentinel_errors_total 1$/m);
  assert.match(text, /^kreboot_agent_sentinel_error 1$/m);
  assert.match(text, /^kreboot_agent_reboot_jobs_total\{outcome="failed"\} 1$/m);
  assert.match(text, /^kreboot_agent_reboot_jobs_total\{outcome="started"\} 0$/m);
  assert.match(text, /^kreboot_build_info\{version="0\.1\.0",nodejs="v\d+\.\d+\.\d+"\} 1$/m);
});
