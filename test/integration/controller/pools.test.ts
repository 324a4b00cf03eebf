// Several node pools in one install (docs/pools.md) on the real control plane: two pools with
// different concurrency reboot side by side, each within its own cap at every transition the API
// server reports (a flight monitor per pool, and one over all pools whose "zones" are the pools);
// a pool whose window is closed waits while the default pool goes; a node that two pools' selectors
// match refuses the start (exit 2, naming it) and, appearing later, is held and reported until its
// labels say one pool; the plan, the status and the metrics show each pool.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { MERGE_PATCH } from '../../../src/kube/patch.ts';
import type { PooledForecast } from '../../../src/controller/pools/combined-reconciler.ts';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { startControllerProcess } from '../../harness/controller/controller-process.ts';
import { startFlightMonitor } from '../../harness/controller/flight-monitor.ts';
import { LOCK_DS, readPlanOnceListed, setUpWorld, waitForAllDone } from '../../harness/controller/controller-world.ts';

const POOL = 'pool.test.kreboot.dev/name';
const CLI = resolve(import.meta.dirname, '../../../src/cli.ts');

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

function poolsFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'kreboot-pools-')), 'pools.yaml');
  writeFileSync(path, text);
  return path;
}

const hhmm = (date: Date) => `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;

describe('node pools', () => {
  it('two pools with different concurrency reboot side by side, each within its own cap at every instant', async (t) => {
    // 0-3: pool a (concurrency 1); 4-9: pool b (concurrency 3); 10: the default pool (--concurrency=5,
    // which is also the world monitor's cap over all pools).
    const poolOfIndex = (index: number) => (index < 4 ? 'a' : index < 10 ? 'b' : undefined);
    const nodeLabels = Object.fromEntries(Array.from({ length: 10 }, (_, index) => [index, { [POOL]: poolOfIndex(index)! }]));
    const file = poolsFile(
      `pools:\n  - name: a\n    nodeSelector: ${POOL}=a\n    concurrency: 1\n  - name: b\n    nodeSelector: ${POOL}=b\n    concurrency: 3\n`,
    );
    const world = await setUpWorld(t, cluster, {
      nodes: 11,
      required: 'all',
      rebootMs: 1500,
      nodeLabels,
      // Over all pools: the "zones" are the pools (the default pool's node has none), each at most 3.
      zones: { label: POOL, maxPerZone: 3 },
      controllerArgs: ['--trigger=node', '--drain-grace-period=0', '--concurrency=5', `--pools-file=${file}`],
      startController: false,
    });
    const monitors = {
      a: await startFlightMonitor(cluster.kc, { labelSelector: `${world.selector},${POOL}=a`, concurrency: 1 }),
      b: await startFlightMonitor(cluster.kc, { labelSelector: `${world.selector},${POOL}=b`, concurrency: 3 }),
      default: await startFlightMonitor(cluster.kc, { labelSelector: `${world.selector},!${POOL}`, concurrency: 1 }),
    };
    t.after(async () => {
      for (const monitor of Object.values(monitors)) await monitor.stop();
    });
    // Paused first, so the plan is read before anything moves.
    await cluster.apps.patchNamespacedDaemonSet(
      {
        namespace: world.namespace,
        name: LOCK_DS,
        body: {
          metadata: { annotations: { 'kreboot.dev/paused': JSON.stringify({ at: new Date().toISOString(), reason: 'plan first' }) } },
        },
      },
      MERGE_PATCH,
    );
    await world.startController();
    await cluster.waitFor(async () => (await world.controller.status()).queue.length === 11, { what: 'all 11 nodes queued' });

    const status = await world.controller.status();
    assert.deepEqual(
      status.pools?.map((pool) => [pool.name, pool.concurrency, pool.members, pool.lockAnnotation]),
      [
        ['default', 5, 1, 'weave.works/kured-node-lock'],
        ['a', 1, 4, 'kreboot.dev/lock.a'],
        ['b', 3, 6, 'kreboot.dev/lock.b'],
      ],
    );
    assert.equal(status.nodes.find((node) => node.name === world.nodes[0])?.pool, 'a');
    const plan = await readPlanOnceListed<PooledForecast>(cluster, world);
    assert.deepEqual(
      plan.pools?.map((pool) => [pool.pool, pool.waves.map((wave) => wave.length)]),
      [
        ['default', [1]],
        ['a', [1, 1, 1, 1]],
        ['b', [3, 3]],
      ],
      'each pool plans its own waves',
    );
    assert.equal(plan.waves[0]!.length, 5, 'the first waves of the three pools go together');
    t.diagnostic(`plan: ${JSON.stringify(plan.waves)}`);
    await world.controller.post('/api/v1/resume');
    await waitForAllDone(cluster, world, world.nodes, 240_000);

    for (const [pool, monitor] of Object.entries(monitors))
      assert.deepEqual(monitor.violations(), [], `pool ${pool} stayed within its cap:\n${monitor.transitions().join('\n')}`);
    assert.deepEqual(world.monitor.violations(), []);
    assert.equal(monitors.b.maxInFlight(), 3, 'pool b used its three slots');
    assert.ok(world.monitor.maxZonesAtOnce() >= 2, 'two pools had nodes out at the same moment');
    for (const node of world.nodes) assert.equal(world.agents.executed.get(node)?.length, 1, `${node} rebooted once`);

    const metrics = await (await fetch(`${world.controller.url}/metrics`)).text();
    assert.match(metrics, /^kreboot_pool_concurrency\{pool="b"\} 3$/m);
    assert.match(metrics, /^kreboot_pool_members\{pool="a"\} 4$/m);
    assert.match(metrics, /^kreboot_nodes\{phase="done",pool="b"\} 6$/m);
    assert.match(metrics, /^kreboot_reboots_total\{result="succeeded",pool="a"\} 4$/m);
  });

  it("a pool whose window is closed waits while the default pool's node goes", async (t) => {
    // A window that opened two hours from now for an hour: closed now, whatever the time of day.
    const now = new Date();
    const start = hhmm(new Date(now.getTime() + 2 * 3600_000));
    const end = hhmm(new Date(now.getTime() + 3 * 3600_000));
    const file = poolsFile(
      `pools:\n  - name: night\n    nodeSelector: ${POOL}=night\n    startTime: "${start}"\n    endTime: "${end}"\n    timeZone: UTC\n`,
    );
    const world = await setUpWorld(t, cluster, {
      nodes: 2,
      required: 'all',
      nodeLabels: { 0: { [POOL]: 'night' } },
      controllerArgs: ['--trigger=node', '--drain-grace-period=0', `--pools-file=${file}`],
    });
    const [night, day] = world.nodes as [string, string];
    await waitForAllDone(cluster, world, [day]);
    await world.waitForCycles(3, 'the night pool given the chance to start');
    const state = await world.state(night);
    assert.equal(state?.phase, 'waiting');
    assert.match(state!.reason, /^maintenance-window: /);
    assert.equal(world.agents.executed.get(night)?.length ?? 0, 0);
    const status = await world.controller.status();
    assert.match(status.pools!.find((pool) => pool.name === 'night')!.window!, new RegExp(`${start}–${end} UTC`));
  });

  it('a node two pools select: the start is refused naming it (exit 2); appearing later it is held until its labels say one pool', async (t) => {
    const file = poolsFile(`pools:\n  - name: gpu\n    nodeSelector: gpu=true\n  - name: arm\n    nodeSelector: arch=arm64\n`);
    const world = await setUpWorld(t, cluster, {
      nodes: 2,
      required: 'all',
      nodeLabels: { 0: { gpu: 'true', arch: 'arm64' }, 1: { gpu: 'true' } },
      controllerArgs: ['--trigger=node', '--drain-grace-period=0', `--pools-file=${file}`],
      startController: false,
    });
    const [both, gpu] = world.nodes as [string, string];
    const args = [
      CLI,
      'controller',
      `--kubeconfig=${cluster.kubeconfigPath}`,
      `--ds-namespace=${world.namespace}`,
      `--ds-name=${LOCK_DS}`,
      `--node-selector=${world.selector}`,
      '--metrics-host=127.0.0.1',
      '--metrics-port=0',
      '--probe-port=0',
      '--webhook-auth=none',
      '--leader-elect=false',
      `--pools-file=${file}`,
    ];
    const refused = await promisify(execFile)(process.execPath, args, { timeout: 60_000 }).then(
      () => assert.fail('the controller started with a node two pools select'),
      (error: { code?: number; stderr?: string }) => error,
    );
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr!, new RegExp(`node ${both}: the node matches the selectors of pools "gpu" and "arm"`));
    assert.match(refused.stderr!, /notice: pools "gpu" and "arm": a node could match both/);
    // Selectors that always select the same nodes are refused before any node is looked at.
    const same = poolsFile(`pools:\n  - name: gpu\n    nodeSelector: gpu=true\n  - name: cuda\n    nodeSelector: "gpu = true"\n`);
    const sameArgs = args.map((arg) => (arg.startsWith('--pools-file=') ? `--pools-file=${same}` : arg));
    const identical = await promisify(execFile)(process.execPath, sameArgs, { timeout: 60_000 }).then(
      () => assert.fail('the controller started with identical selectors'),
      (error: { code?: number; stderr?: string }) => error,
    );
    assert.equal(identical.code, 2, identical.stderr);
    assert.match(identical.stderr!, /pools "gpu" and "cuda": the same nodes match both selectors/);

    // Fixed, it starts; then a node gains the second label: held, reported, never started.
    await cluster.core.patchNode({ name: both, body: { metadata: { labels: { arch: null } } } }, MERGE_PATCH);
    await world.startController();
    await waitForAllDone(cluster, world, world.nodes);
    await cluster.core.patchNode({ name: gpu, body: { metadata: { labels: { arch: 'arm64' } } } }, MERGE_PATCH);
    await world.agents.setRequired(gpu, true);
    await cluster.waitFor(async () => (await world.controller.status()).conflicts?.some((conflict) => conflict.node === gpu), {
      what: `${gpu} reported as matching two pools`,
    });
    const before = JSON.stringify(await world.state(gpu));
    await world.waitForCycles(3, 'the held node given the chance to start');
    assert.equal(JSON.stringify(await world.state(gpu)), before, 'nothing recorded a new reboot for the held node');
    assert.equal(world.agents.executed.get(gpu)?.length, 1, 'rebooted only the first time');
    const status = await world.controller.status();
    const row = status.nodes.find((node) => node.name === gpu)!;
    assert.equal(row.phase, 'waiting');
    assert.match(row.reason, /matches the selectors of pools "gpu" and "arm"/);
    assert.match(await (await fetch(`${world.controller.url}/metrics`)).text(), /^kreboot_pool_conflicts 1$/m);
    assert.match(world.controller.proc.tail(200), /"pools":\["gpu","arm"\].*"msg":"node held"/);

    await cluster.core.patchNode({ name: gpu, body: { metadata: { labels: { gpu: null } } } }, MERGE_PATCH);
    await cluster.waitFor(async () => world.agents.executed.get(gpu)?.length === 2, {
      what: `${gpu} rebooted in pool arm`,
      timeoutMs: 60_000,
    });
  });

  it('the pools file is followed: a good change is applied, a bad one refused with the reason and the last good pools kept', async (t) => {
    const file = poolsFile(`pools:\n  - name: a\n    nodeSelector: ${POOL}=a\n    concurrency: 1\n`);
    const world = await setUpWorld(t, cluster, {
      nodes: 3,
      nodeLabels: { 0: { [POOL]: 'a' }, 1: { [POOL]: 'a' }, 2: { [POOL]: 'b', other: 'x' } },
      controllerArgs: [`--pools-file=${file}`],
    });
    const reloads = async (result: string) => {
      const text = await (await fetch(`${world.controller.url}/metrics`)).text();
      return Number(new RegExp(`^kreboot_pools_file_reloads_total\\{result="${result}"\\} (\\d+)$`, 'm').exec(text)?.[1]);
    };
    const pools = async () => (await world.controller.status()).pools?.map((pool) => `${pool.name}:${pool.concurrency}:${pool.members}`);
    assert.deepEqual(await pools(), ['default:1:1', 'a:1:2']);

    // Good: pool a may take two nodes, and pool b is new.
    writeFileSync(file, `pools:\n  - name: a\n    nodeSelector: ${POOL}=a\n    concurrency: 2\n  - name: b\n    nodeSelector: ${POOL}=b\n`);
    await cluster.waitFor(async () => (await reloads('applied')) === 1, { what: 'the change applied' });
    assert.deepEqual(await pools(), ['default:1:0', 'a:2:2', 'b:1:1']);

    // Bad: identical selectors (a problem of the file itself).
    writeFileSync(file, `pools:\n  - name: a\n    nodeSelector: ${POOL}=a\n  - name: c\n    nodeSelector: ${POOL}=a\n`);
    await cluster.waitFor(async () => (await reloads('refused')) === 1, { what: 'the bad change refused' });
    // The reason is logged (the log reaches the file a moment after the counter moves).
    await cluster.waitFor(() => /pools \\"a\\" and \\"c\\": the same nodes match both selectors/.test(world.controller.proc.tail(100)), {
      what: 'the reason logged',
    });
    assert.match(world.controller.proc.tail(100), /pools file changed but cannot be used: keeping the last good pools/);
    assert.deepEqual(await pools(), ['default:1:0', 'a:2:2', 'b:1:1'], 'the last good pools still run');

    // Bad on this cluster: a node present would match two pools.
    writeFileSync(file, `pools:\n  - name: b\n    nodeSelector: ${POOL}=b\n  - name: x\n    nodeSelector: other=x\n`);
    await cluster.waitFor(async () => (await reloads('refused')) === 2, { what: 'the overlapping change refused' });
    await cluster.waitFor(
      () => new RegExp(`node ${world.nodes[2]}: the node matches the selectors of pools`).test(world.controller.proc.tail(100)),
      { what: 'the overlap logged' },
    );
    assert.deepEqual(await pools(), ['default:1:0', 'a:2:2', 'b:1:1']);

    // The kept pools still work: a request in pool b reboots.
    assert.equal((await world.controller.post('/api/v1/reboot', { node: world.nodes[2], reason: 'after the reloads' })).status, 202);
    await waitForAllDone(cluster, world, [world.nodes[2]!]);
  });

  it('two installs over the same nodes: the second refuses to start while the first has work on them, and holds a node the first takes up later', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 2, controllerArgs: ['--drain-grace-period=0'] });
    const [n1, n2] = world.nodes as [string, string];
    const first = `${world.namespace}/${LOCK_DS}`;
    // The second install: its own namespace and lock DaemonSet, the same nodes.
    const other = await cluster.newNamespace('second');
    await cluster.createDaemonSet(other, LOCK_DS, { tolerations: [{ operator: 'Exists' }] });
    const secondArgs = [
      CLI,
      'controller',
      `--kubeconfig=${cluster.kubeconfigPath}`,
      `--ds-namespace=${other}`,
      `--ds-name=${LOCK_DS}`,
      `--node-selector=${world.selector}`,
      '--metrics-host=127.0.0.1',
      '--metrics-port=0',
      '--probe-port=0',
      '--webhook-auth=none',
      '--leader-elect=false',
    ];

    // The first install has work on n1 (paused, so it stays queued).
    assert.equal((await world.controller.post('/api/v1/pause', { reason: 'hold n1' })).status, 200);
    assert.equal((await world.controller.post('/api/v1/reboot', { node: n1, reason: 'patch' })).status, 202);
    await cluster.waitFor(async () => (await world.node(n1)).metadata?.annotations?.['kreboot.dev/install'] === first, {
      what: `${n1} named as the first install's`,
    });
    const refused = await promisify(execFile)(process.execPath, secondArgs, { timeout: 60_000 }).then(
      () => assert.fail('the second install started over the first one’s work'),
      (error: { code?: number; stderr?: string }) => error,
    );
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr!, new RegExp(`node ${n1}: another kreboot install \\(${first}\\) has work on this node`));

    // Once that work is done, the second install starts; a node the first takes up later is held.
    assert.equal((await world.controller.post('/api/v1/resume')).status, 200);
    await waitForAllDone(cluster, world, [n1]);
    const second = await startControllerProcess({
      kubeconfigPath: cluster.kubeconfigPath,
      namespace: other,
      dsName: LOCK_DS,
      nodeSelector: world.selector,
      name: 'second-install',
    });
    t.after(() => second.stop());
    assert.equal((await world.controller.post('/api/v1/pause', { reason: 'hold n2' })).status, 200);
    assert.equal((await world.controller.post('/api/v1/reboot', { node: n2, reason: 'patch' })).status, 202);
    await cluster.waitFor(async () => (await second.status()).conflicts?.some((conflict) => conflict.node === n2), {
      what: `${n2} held by the second install`,
    });
    const row = (await second.status()).nodes.find((node) => node.name === n2)!;
    assert.match(row.reason, new RegExp(`another kreboot install \\(${first}\\)`));
    // The second install's own operator request on n2 is recorded, but n2 stays the first install's.
    assert.equal((await second.post('/api/v1/reboot', { node: n2, reason: 'mine too' })).status, 202);
    await world.waitForCycles(3, 'the first install given the chance to go on with n2 while paused');
    assert.match((await world.state(n2))?.phase ?? 'queued', /^(queued|waiting)$/, 'the first install holds n2 (paused)');
    assert.equal(world.agents.executed.get(n2)?.length ?? 0, 0, 'nobody rebooted n2 while the first install is paused');
    assert.equal((await world.controller.post('/api/v1/resume')).status, 200);
    await waitForAllDone(cluster, world, [n2]);
    assert.equal(world.agents.executed.get(n2)?.length, 1, 'rebooted once, by the first install');
  });
});
