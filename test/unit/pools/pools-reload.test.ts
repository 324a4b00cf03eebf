// Following the pools file: what a change becomes while it is being written, and after a reload that
// failed midway. The decision core is a narrow fake (its view and its pools); the file is real.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { loadControllerConfig } from '../../../src/config/controller-config.ts';
import type { PoolSpec } from '../../../src/controller/pools/pool-specs.ts';
import { followPoolsFile } from '../../../src/controller/pools/pools-reload.ts';
import { memoryLogger } from '../../harness/memory-log.ts';

const { config } = loadControllerConfig(['--webhook-auth=none'], {});
const ONE_POOL = 'pools:\n  - name: a\n    nodeSelector: pool=a\n';
const TWO_POOLS = 'pools:\n  - name: a\n    nodeSelector: pool=a\n  - name: b\n    nodeSelector: pool=b\n';

async function setUp(options: { failFirstReplace?: boolean } = {}) {
  const path = join(mkdtempSync(join(tmpdir(), 'kreboot-pools-reload-')), 'pools.yaml');
  writeFileSync(path, ONE_POOL);
  const replaced: string[][] = [];
  let failures = options.failFirstReplace ? 1 : 0;
  const core = {
    view: { nodes: () => [], daemonSet: () => undefined },
    pools: () => [],
    async replacePools(pools: readonly PoolSpec[]) {
      if (failures-- > 0) throw new Error('the old pool did not stop');
      replaced.push(pools.map((pool) => pool.name));
    },
  };
  const registry = new Registry();
  const { log, lines } = memoryLogger();
  // Looks happen only when the test calls check(): no directory watch can race it.
  const reload = followPoolsFile({ path, config, core: core as never, log, registry, recheckMs: 3_600_000 });
  // The follower's own first look at start (nothing changed yet) is over before a test writes.
  await reload.check();
  const count = async (result: string) =>
    Number(new RegExp(`result="${result}"\\} (\\d+)`).exec(await registry.metrics())?.[1] ?? Number.NaN);
  return { path, reload, replaced, lines, count };
}

describe('following the pools file', () => {
  it('an emptied file (a write in progress) is never applied: the last good pools stay until the content arrives', async (t) => {
    const { path, reload, replaced, lines, count } = await setUp();
    t.after(() => reload.stop());

    writeFileSync(path, '');
    await reload.check();
    assert.deepEqual(replaced, [], 'nothing replaced the running pools');
    assert.equal(await count('applied'), 0);
    assert.equal(await count('refused'), 0);
    assert.match(lines.join('\n'), /pools file is empty: keeping the last good pools/);

    writeFileSync(path, TWO_POOLS);
    await reload.check();
    assert.deepEqual(replaced, [['default', 'a', 'b']]);
    assert.equal(await count('applied'), 1);
  });

  it('a reload that fails midway is tried again at the next look, and applied once', async (t) => {
    const { path, reload, replaced, lines, count } = await setUp({ failFirstReplace: true });
    t.after(() => reload.stop());

    writeFileSync(path, TWO_POOLS);
    await reload.check();
    assert.deepEqual(replaced, []);
    assert.match(lines.join('\n'), /pools file reload failed; it is tried again at the next look/);

    await reload.check();
    assert.deepEqual(replaced, [['default', 'a', 'b']]);
    await reload.check();
    assert.deepEqual(replaced, [['default', 'a', 'b']], 'the same content is not applied twice');
    assert.equal(await count('applied'), 1);
  });

  it('a change made while the controller started (after its config read the file, before it follows it) is applied at once', async (t) => {
    const path = join(mkdtempSync(join(tmpdir(), 'kreboot-pools-reload-')), 'pools.yaml');
    writeFileSync(path, ONE_POOL);
    const started = loadControllerConfig(['--webhook-auth=none', `--pools-file=${path}`], {});
    assert.deepEqual(started.problems, []);
    assert.deepEqual(
      started.config.pools?.map((pool) => pool.name),
      ['default', 'a'],
    );
    // The file changes between the config's read and the follower's start (a ConfigMap updated
    // while the pod starts).
    writeFileSync(path, TWO_POOLS);
    const replaced: string[][] = [];
    const core = {
      view: { nodes: () => [], daemonSet: () => undefined },
      pools: () => [],
      replacePools: async (pools: readonly PoolSpec[]) => void replaced.push(pools.map((pool) => pool.name)),
    };
    const registry = new Registry();
    const reload = followPoolsFile({
      path,
      config: started.config,
      core: core as never,
      log: memoryLogger().log,
      registry,
      recheckMs: 3_600_000,
    });
    t.after(() => reload.stop());
    // The follower's own first look, chained before this one, applies it; no recheck is waited for.
    await reload.check();
    assert.deepEqual(replaced, [['default', 'a', 'b']]);
  });

  it('"pools: []" says no pools: applied', async (t) => {
    const { path, reload, replaced } = await setUp();
    t.after(() => reload.stop());
    writeFileSync(path, 'pools: []\n');
    await reload.check();
    assert.deepEqual(replaced, [['default']]);
  });
});
