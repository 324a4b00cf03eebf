// Which pool a node belongs to, as a table: by its labels; the default pool when none selects it;
// held when two do; kept in the pool it was cordoned in, or whose lock it holds a slot in, whatever
// its labels say now; held
// while another install has work on it, not once that install is done with it. And what refuses a
// reload on the cluster as it is; and the plan of several pools merged wave by wave.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1DaemonSet, V1Node } from '@kubernetes/client-node';
import { mergeForecasts } from '../../../src/controller/pools/combined-reconciler.ts';
import { createMembership, hasWork } from '../../../src/controller/pools/membership.ts';
import { defaultPool, resolvePools } from '../../../src/controller/pools/pool-specs.ts';
import { reloadProblems } from '../../../src/controller/pools/pools-reload.ts';
import { loadControllerConfig } from '../../../src/config/controller-config.ts';
import type { Forecast } from '../../../src/controller/policy/forecast.ts';

const { config } = loadControllerConfig(['--webhook-auth=none'], {});
const { pools, problems } = resolvePools(
  [
    { name: 'gpu', nodeSelector: 'gpu=true' },
    { name: 'arm', nodeSelector: 'arch=arm64' },
  ],
  config,
);
assert.deepEqual(problems, []);
const INSTALL = 'kreboot/kreboot-agent';

const node = (name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): V1Node => ({
  metadata: { name, labels, annotations },
});
const lock = (holders: string[]) =>
  JSON.stringify({
    maxOwners: 2,
    locks: holders.map((nodeID) => ({
      nodeID,
      metadata: { unschedulable: false, holder: 'kreboot' },
      created: new Date(Date.parse(NOW) - 5_000).toISOString(),
      TTL: 0,
    })),
  });
/** A node's record after a failed round that gave it back (retried later). */
const givenBack = {
  'kreboot.dev/state': JSON.stringify({ phase: 'failed', retryAt: '2026-01-01T00:05:00Z', since: '2026-01-01T00:01:00Z', reason: '' }),
};
/** When the table is read: a few seconds after the slots lock() writes. */
const NOW = '2026-01-01T00:05:05.000Z';
const lockAt = (nodeID: string, created: string) =>
  JSON.stringify({ maxOwners: 2, locks: [{ nodeID, metadata: { unschedulable: false, holder: 'kreboot' }, created, TTL: 0 }] });
const ds = (annotations: Record<string, string>): V1DaemonSet => ({ metadata: { name: 'kreboot-agent', annotations } });

describe('membership', () => {
  const members = createMembership(pools, INSTALL, () => new Date(NOW));
  const table: [string, V1Node, V1DaemonSet | undefined, string | undefined][] = [
    ['no pool selects it: the default pool', node('a'), undefined, 'default'],
    ['one pool selects it', node('b', { gpu: 'true' }), undefined, 'gpu'],
    ['two pools select it: held', node('c', { gpu: 'true', arch: 'arm64' }), undefined, undefined],
    [
      'relabelled mid-reboot: stays in the pool whose lock it holds',
      node('d', { arch: 'arm64' }),
      ds({ 'kreboot.dev/lock.gpu': lock(['d']) }),
      'gpu',
    ],
    ["a slot in kured's lock: the default pool", node('e', { gpu: 'true' }), ds({ 'weave.works/kured-node-lock': lock(['e']) }), 'default'],
    [
      'two pools select it but it holds a slot: stays',
      node('f', { gpu: 'true', arch: 'arm64' }),
      ds({ 'kreboot.dev/lock.arm': lock(['f']) }),
      'arm',
    ],
    [
      'relabelled mid-reboot with the lock lost (DaemonSet re-created): stays in the pool it was cordoned in',
      node(
        'j',
        { arch: 'arm64' },
        { 'kreboot.dev/state': JSON.stringify({ phase: 'rebooting', since: '2026-01-01T00:00:00Z', reason: '', pool: 'gpu' }) },
      ),
      ds({}),
      'gpu',
    ],
    [
      'halted in its pool and relabelled: still that pool',
      node(
        'k',
        {},
        {
          'kreboot.dev/state': JSON.stringify({
            phase: 'failed',
            haltedRollout: true,
            final: true,
            since: '2026-01-01T00:00:00Z',
            reason: '',
            pool: 'arm',
          }),
        },
      ),
      undefined,
      'arm',
    ],
    [
      'back in service: its labels again, whatever pool its last round was in',
      node(
        'l',
        { arch: 'arm64' },
        { 'kreboot.dev/state': JSON.stringify({ phase: 'done', since: '2026-01-01T00:00:00Z', reason: '', pool: 'gpu' }) },
      ),
      undefined,
      'arm',
    ],
    [
      'cordoned in a pool that is gone (the pools file changed): its labels',
      node(
        'm',
        { arch: 'arm64' },
        { 'kreboot.dev/state': JSON.stringify({ phase: 'draining', since: '2026-01-01T00:00:00Z', reason: '', pool: 'old' }) },
      ),
      undefined,
      'arm',
    ],
    [
      "a slot left from its round that ended (failed, given back): its labels, not the slot's pool",
      node('n', { arch: 'arm64' }, givenBack),
      ds({ 'kreboot.dev/lock.gpu': lockAt('n', '2026-01-01T00:00:10.000Z') }),
      'arm',
    ],
    [
      "a slot taken since its round ended (its next start, cordon not landed yet): the slot's pool",
      node('o', { arch: 'arm64' }, givenBack),
      ds({ 'kreboot.dev/lock.gpu': lockAt('o', '2026-01-01T00:05:01.000Z') }),
      'gpu',
    ],
    [
      'a slot whose start never cordoned, taken over a minute ago: a leftover, its labels (seed 31013)',
      node('p', { arch: 'arm64' }),
      ds({ 'kreboot.dev/lock.gpu': lockAt('p', '2026-01-01T00:03:00.000Z') }),
      'arm',
    ],
    [
      "out of service with no pool recorded (cordoned by an older controller), its slot taken long ago: the slot's pool",
      node(
        'q',
        { arch: 'arm64' },
        { 'kreboot.dev/state': JSON.stringify({ phase: 'rebooting', since: '2026-01-01T00:01:00Z', reason: '' }) },
      ),
      ds({ 'kreboot.dev/lock.gpu': lockAt('q', '2026-01-01T00:00:10.000Z') }),
      'gpu',
    ],
    [
      'another install has a request on it: held',
      node(
        'g',
        {},
        { 'kreboot.dev/install': 'other/kreboot-agent', 'kreboot.dev/reboot-request': '{"at":"2026-01-01T00:00:00Z","kind":"api"}' },
      ),
      undefined,
      undefined,
    ],
    [
      'another install is done with it: ours',
      node(
        'h',
        {},
        {
          'kreboot.dev/install': 'other/kreboot-agent',
          'kreboot.dev/state': '{"phase":"done","since":"2026-01-01T00:00:00Z","reason":"rebooted"}',
        },
      ),
      undefined,
      'default',
    ],
    [
      'this install wrote it: ours',
      node('i', {}, { 'kreboot.dev/install': INSTALL, 'kreboot.dev/reboot-request': '{"at":"2026-01-01T00:00:00Z","kind":"api"}' }),
      undefined,
      'default',
    ],
  ];
  for (const [what, v1, lockDs, want] of table)
    it(what, () => {
      const member = members.of(v1, lockDs);
      assert.equal(member.pool, want);
      if (want === undefined && !('install' in member && member.install))
        assert.deepEqual(member.pool === undefined && member.conflict, ['gpu', 'arm']);
    });

  it('another install has work while a reboot is queued, waiting, in flight, halted or to be retried', () => {
    const state = (progress: object) =>
      node('x', {}, { 'kreboot.dev/state': JSON.stringify({ since: '2026-01-01T00:00:00Z', reason: '', ...progress }) });
    assert.equal(hasWork(state({ phase: 'waiting' })), true);
    assert.equal(hasWork(state({ phase: 'rebooting' })), true);
    assert.equal(hasWork(state({ phase: 'failed', final: true, haltedRollout: true })), true);
    assert.equal(hasWork(state({ phase: 'failed', retryAt: '2026-01-01T01:00:00Z' })), true);
    assert.equal(hasWork(state({ phase: 'failed', final: true })), false);
    assert.equal(hasWork(state({ phase: 'done' })), false);
    assert.equal(hasWork(node('y')), false);
  });
});

describe('reloadProblems', () => {
  const view = (nodes: V1Node[], annotations: Record<string, string> = {}) => ({
    nodes: () => nodes,
    node: (name: string) => nodes.find((n) => n.metadata?.name === name),
    daemonSet: () => ds(annotations),
    synced: () => true,
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(),
  });
  const runtime = (name: string, observed: { name: string; progress?: object }[]) => ({
    spec: pools.find((pool) => pool.name === name)!,
    reconciler: { observed: () => observed },
  });

  it('refuses pools that would put a node present in two pools', () => {
    const core = { view: view([node('c', { gpu: 'true', arch: 'arm64' })]), pools: () => [] };
    assert.match(reloadProblems(pools, core as never).join('\n'), /node c: the node matches the selectors of pools "gpu" and "arm"/);
  });

  it('refuses removing a pool that has a node out of service or holding its slot; allows it once idle', () => {
    const busy = {
      view: view([node('b', { gpu: 'true' })], { 'kreboot.dev/lock.gpu': lock(['b']) }),
      pools: () => [runtime('gpu', [{ name: 'b', progress: { phase: 'rebooting', since: '', reason: '' } }])],
    };
    assert.match(
      reloadProblems([defaultPool(config)], busy as never).join('\n'),
      /pool "gpu" is removed but has nodes out of service or holding its slots \(b\)/,
    );
    const idle = { view: view([node('b', { gpu: 'true' })]), pools: () => [runtime('gpu', [{ name: 'b' }])] };
    assert.deepEqual(reloadProblems([defaultPool(config)], idle as never), []);
  });
});

describe('mergeForecasts', () => {
  const forecast = (waves: string[][], totalSeconds: number | null): Forecast => ({
    order: waves.flat().map((name) => ({ node: name, zone: '' })),
    waves,
    held: [],
    rolloutHeld: null,
    inFlight: [],
    estimate: { perNodeSeconds: totalSeconds === null ? null : 60, totalSeconds, basedOn: 1 },
  });
  it('merges the pools wave by wave; the estimate is the slowest pool', () => {
    const merged = mergeForecasts([
      { pool: 'default', forecast: forecast([['a']], 60) },
      { pool: 'gpu', forecast: forecast([['b'], ['c'], ['d']], 180) },
    ]);
    assert.deepEqual(merged.waves, [['a', 'b'], ['c'], ['d']]);
    assert.equal(merged.estimate.totalSeconds, 180);
    assert.deepEqual(
      merged.pools?.map((pool) => pool.pool),
      ['default', 'gpu'],
    );
  });
});

describe('kreboot plan and kreboot status with pools', () => {
  it('prints one section per pool, and each node with its pool', async () => {
    const { formatPlan } = await import('../../../src/cli/operator.ts');
    const one = (waves: string[][]): Forecast => ({
      order: waves.flat().map((name) => ({ node: name, zone: '' })),
      waves,
      held: [],
      rolloutHeld: null,
      inFlight: [],
      estimate: { perNodeSeconds: null, totalSeconds: null, basedOn: 0 },
    });
    const text = formatPlan(
      mergeForecasts([
        { pool: 'default', forecast: one([['a']]) },
        { pool: 'gpu', forecast: one([['b'], ['c']]) },
      ]),
    );
    assert.match(text, /^pool default:\n {2}wave 1: a\n/m);
    assert.match(text, /^pool gpu:\n {2}wave 1: b\n {2}wave 2: c\n/m);
  });
});

describe('the status page with pools', () => {
  it('has a Pools table, each node tagged with its pool, and the held nodes with their reason', async () => {
    const { renderStatusFragment } = await import('../../../src/controller/status/status-fragment.ts');
    const { buildStatus } = await import('../../../src/controller/status/status.ts');
    const observed = (name: string) => ({
      name,
      ready: true,
      unschedulable: false,
      rebootRequired: true,
      request: { at: '2026-01-01T00:00:00.000Z', kind: 'api' as const },
    });
    const runtimes = pools.map((spec, index) => ({
      spec,
      reconciler: { observed: () => [observed(`n${index}`)], queue: () => [`n${index}`] },
    }));
    const base = buildStatus({
      nodes: runtimes.flatMap((runtime) => runtime.reconciler.observed()) as never,
      rollout: undefined,
      halt: undefined,
      leader: true,
      identity: 'me',
      settings: { concurrency: 1, ttlMs: 0 },
      now: new Date('2026-01-01T00:01:00.000Z'),
      notifications: [],
    });
    const { withPools } = await import('../../../src/controller/status/status-pools.ts');
    const status = withPools(base, runtimes as never, [
      { node: 'n9', pools: ['gpu', 'arm'], reason: 'the node matches the selectors of pools "gpu" and "arm": …' },
    ]);
    assert.deepEqual(
      status.pools?.map((pool) => [pool.name, pool.members, pool.queue]),
      [
        ['default', 1, ['n0']],
        ['gpu', 1, ['n1']],
        ['arm', 1, ['n2']],
      ],
    );
    assert.equal(status.nodes.find((row) => row.name === 'n1')?.pool, 'gpu');
    assert.equal(status.nodes.find((row) => row.name === 'n9')?.phase, 'waiting');
    const html = renderStatusFragment(status, { now: new Date('2026-01-01T00:01:00.000Z') });
    assert.match(html, /<table class="pools" id="pools">/);
    assert.match(html, /<tr data-pool="gpu"><td>gpu<\/td><td><code>gpu=true<\/code><\/td><td>1<\/td><td class="slots">0 \/ 1<\/td>/);
    assert.match(html, /<small class="pool" data-pool="arm">arm<\/small>/);
    assert.match(html, /<ul class="bad" id="pool-conflicts"><li data-node="n9">/);
  });
});

describe("kured's manual pause holds every pool", () => {
  it("a foreign holder on kured's lock blocks a pool whose own lock is free; an unreadable kured lock blocks it too", async () => {
    const { readRollout } = await import('../../../src/store/rollout-record.ts');
    const { rolloutHold } = await import('../../../src/controller/policy/rollout-hold.ts');
    const settings = { concurrency: 1, ttlMs: 0, lockAnnotation: 'kreboot.dev/lock.gpu' };
    const verdict = (annotations: Record<string, string>) =>
      rolloutHold(
        readRollout(ds(annotations), 'kreboot.dev/lock.gpu', 'weave.works/kured-node-lock'),
        undefined,
        true,
        settings,
        new Date(),
      );
    assert.equal(verdict({}), undefined, 'nothing holds the pool');
    assert.match(JSON.stringify(verdict({ 'weave.works/kured-node-lock': '{"nodeID":"manual"}' })), /"gate":"paused".*lock held by manual/);
    assert.match(JSON.stringify(verdict({ 'weave.works/kured-node-lock': 'not json' })), /"gate":"lock".*unreadable/);
    assert.equal(
      verdict({ 'weave.works/kured-node-lock': lock(['other-node']) }),
      undefined,
      "kreboot's own holders in the default pool do not hold another pool",
    );
  });
});
