// The reboot method per pool: the controller names the node's pool in its reboot job (never a
// command), the job record keeps it, and the agent picks that pool's method from its own pools
// file — its own flags for a pool that declares none, or without a pools file; a pool its file
// does not declare is refused with the reason.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadAgentConfig } from '../../../src/config/agent-config.ts';
import { poolRebooter } from '../../../src/agent/reboot/pool-rebooter.ts';
import type { Rebooter } from '../../../src/agent/reboot/rebooter.ts';
import type { AgentConfig } from '../../../src/config/agent-config.ts';
import { dispatchPatch } from '../../../src/controller/steps/node-patches.ts';
import { readJob, type RebootJob } from '../../../src/store/job-records.ts';
import { CONTROLLER } from '../../../src/store/keys.ts';
import { node } from '../controller/fixtures.ts';

const job = (pool?: string): RebootJob => ({ id: 'j', createdAt: '', bootIdBefore: 'b', ...(pool ? { pool } : {}) });

describe('the job names the pool', () => {
  it('dispatchPatch writes the pool of a non-default pool, and readJob keeps it', () => {
    const observed = node({ name: 'n1', bootId: 'boot-1' });
    const v1 = { metadata: { name: 'n1', resourceVersion: '1' } };
    const written = dispatchPatch(v1, observed, new Date(), { rebootTimeoutMs: 60_000, pool: 'gpu' }, 1);
    const text = written.body.metadata.annotations![CONTROLLER.rebootJob]!;
    const parsed = readJob({ [CONTROLLER.rebootJob]: text });
    assert.equal(parsed.state === 'ok' && parsed.value.pool, 'gpu');
    const plain = dispatchPatch(v1, observed, new Date(), { rebootTimeoutMs: 60_000 }, 1);
    assert.doesNotMatch(plain.body.metadata.annotations![CONTROLLER.rebootJob]!, /pool/);
  });
});

describe("the agent's method for a job's pool", () => {
  const dir = mkdtempSync(join(tmpdir(), 'pool-method-'));
  const file = join(dir, 'pools.yaml');
  writeFileSync(
    file,
    'pools:\n  - {name: gpu, nodeSelector: gpu=true, rebootMethod: signal, rebootSignal: 40}\n  - {name: plain, nodeSelector: plain=true}\n  - {name: cmd, nodeSelector: c=1, rebootCommand: "/sbin/reboot -f"}\n',
  );
  const own: Rebooter = { reboot: () => Promise.resolve({ ok: true }) };
  const configWith = (extra: string[]): AgentConfig => loadAgentConfig(['--node-id=n1', ...extra], {}).config;
  const built: AgentConfig[] = [];
  const build = (config: AgentConfig): Rebooter => {
    built.push(config);
    return { reboot: () => Promise.resolve({ ok: true }) };
  };

  it("uses the pool's method, the flags for what the pool leaves out", () => {
    const pick = poolRebooter(configWith([`--pools-file=${file}`]), own, build);
    assert.equal(pick(job()), own, 'the default pool: the flags');
    assert.equal(pick(job('plain')), own, 'a pool with no method of its own: the flags');
    built.length = 0;
    assert.notEqual(pick(job('gpu')), own);
    assert.deepEqual([built[0]!.rebootMethod, built[0]!.rebootSignal], ['signal', 40]);
    pick(job('cmd'));
    assert.deepEqual([built[1]!.rebootMethod, built[1]!.rebootCommand], ['command', '/sbin/reboot -f']);
  });

  it('refuses a pool its file does not declare, naming it; without a pools file the flags decide', async () => {
    const refused = await poolRebooter(configWith([`--pools-file=${file}`]), own, build)(job('db')).reboot();
    assert.equal(refused.ok, false);
    assert.match(!refused.ok ? refused.message : '', /the job names pool "db", which the agent's pools file .* does not declare/);
    assert.equal(poolRebooter(configWith([]), own, build)(job('db')), own);
  });
});
