// Hooks around the reboot (ADR 0019) on the real control plane: kube-controller-manager runs the
// hook Jobs, KWOK plays their pods. A pod scheduled on a KWOK node completes at once (KWOK's
// pod-complete stage), so a hook that must fail, hang or wait is a Job whose pod no node can take
// (a nodeSelector nothing matches): it stays Pending until the test ends it by writing the pod's
// status, as a kubelet would, or until its deadline. Each test checks the final state: the node's
// records, the Jobs in the API, the status API and the metric.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BatchV1Api, type V1Job } from '@kubernetes/client-node';
import { parseLock } from '../../../src/store/lock-record.ts';
import { parseHookRuns, type HookRun } from '../../../src/store/hook-records.ts';
import { startHttpSink, type HttpSink } from '../../harness/http-sink.ts';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { MERGE_PATCH } from '../../../src/kube/patch.ts';
import { LOCK_DS, setUpWorld, waitForAllDone, type World } from '../../harness/controller/controller-world.ts';

let cluster: Cluster;
let batch: BatchV1Api;
let sink: HttpSink;
const dir = mkdtempSync(join(tmpdir(), 'kreboot-hooks-'));
before(async () => {
  cluster = await startCluster();
  batch = cluster.kc.makeApiClient(BatchV1Api);
  sink = await startHttpSink();
});
after(async () => {
  await sink?.close();
  await cluster?.stop();
});

/** A Job template; `held`: its pod fits no node and waits for the test (or its deadline). */
function template(name: string, options: { held?: boolean; selector?: Record<string, string> } = {}): string {
  const file = join(dir, `${name}.yaml`);
  const job = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { labels: { 'hook-test': name } },
    spec: {
      backoffLimit: 0,
      template: {
        spec: {
          restartPolicy: 'Never',
          nodeSelector: options.held ? { 'kreboot-test/no-such-node': 'true' } : (options.selector ?? {}),
          containers: [{ name: 'hook', image: 'registry.example/hook:1', command: ['/hook'] }],
        },
      },
    },
  };
  writeFileSync(file, JSON.stringify(job));
  return file;
}

async function hooksOf(world: World, node: string): Promise<HookRun[]> {
  return [...parseHookRuns((await world.node(node)).metadata?.annotations?.['kreboot.dev/hooks'])];
}

async function job(namespace: string, name: string): Promise<V1Job> {
  return batch.readNamespacedJob({ namespace, name });
}

/** The hook run of `point` on `node` once it is recorded as running, and its Job once it exists. */
async function runningHook(world: World, node: string, point: string): Promise<{ run: HookRun; job: V1Job }> {
  return cluster.waitFor(
    async () => {
      const run = (await hooksOf(world, node)).find((candidate) => candidate.point === point && candidate.outcome === undefined);
      if (!run) return undefined;
      const found = await job(world.namespace, run.name).catch(() => undefined);
      return found ? { run, job: found } : undefined;
    },
    { timeoutMs: 60_000, what: `a running ${point} hook on ${node}` },
  );
}

/** Ends a held hook's pod as its kubelet would: Succeeded (exit 0) or Failed (exit 1). */
async function finishPod(world: World, jobName: string, ok: boolean): Promise<void> {
  const pod = await cluster.waitFor(
    async () =>
      (await cluster.core.listNamespacedPod({ namespace: world.namespace, labelSelector: `batch.kubernetes.io/job-name=${jobName}` }))
        .items[0],
    { what: `the pod of Job ${jobName}` },
  );
  const now = new Date().toISOString();
  await cluster.core.patchNamespacedPodStatus(
    {
      namespace: world.namespace,
      name: pod.metadata!.name!,
      body: {
        status: {
          phase: ok ? 'Succeeded' : 'Failed',
          containerStatuses: [
            {
              name: 'hook',
              image: 'registry.example/hook:1',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: { terminated: { exitCode: ok ? 0 : 1, reason: ok ? 'Completed' : 'Error', startedAt: now, finishedAt: now } },
            },
          ],
        },
      },
    },
    MERGE_PATCH,
  );
}

async function metric(world: World, labels: string): Promise<number> {
  const text = await (await fetch(`${world.controller.url}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith(`kreboot_hook_duration_seconds_count{${labels}}`));
  return line ? Number(line.split(' ').pop()) : 0;
}

async function lockHolders(world: World): Promise<string[]> {
  const ds = await cluster.apps.readNamespacedDaemonSet({ namespace: world.namespace, name: LOCK_DS });
  return (parseLock(ds.metadata?.annotations?.['weave.works/kured-node-lock'])?.holders ?? []).map((holder) => holder.nodeID);
}

describe('hooks around the reboot', () => {
  it('a pre-drain and a post-reboot Job that succeed: each node runs both once, in order, recorded, shown and timed', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 2,
      required: 'all',
      startController: false,
    });
    const selector = { 'kreboot-test': world.namespace };
    await world.startController([
      '--trigger=node',
      '--drain-grace-period=0',
      `--pre-drain-hook-job=${template('pre-ok', { selector })}`,
      `--post-reboot-hook-job=${template('post-ok', { selector })}`,
      '--hook-timeout=60s',
    ]);
    await waitForAllDone(cluster, world, world.nodes);
    assert.deepEqual(world.monitor.violations(), []);
    assert.ok(world.monitor.maxInFlight() <= 1, `max in flight ${world.monitor.maxInFlight()}`);
    const status = await world.controller.status();
    for (const node of world.nodes) {
      assert.equal(world.agents.executed.get(node)?.length, 1, `${node} rebooted once`);
      const runs = await hooksOf(world, node);
      assert.deepEqual(
        runs.map((run) => `${run.point}/${run.kind}/${run.outcome}`),
        ['pre-drain/job/succeeded', 'post-reboot/job/succeeded'],
        `${node}: ${JSON.stringify(runs)}`,
      );
      const [pre, post] = runs as [HookRun, HookRun];
      assert.ok(pre.finishedAt! <= post.startedAt, 'the post-reboot hook starts after the pre-drain hook ended');
      const state = (await world.state(node))!;
      assert.ok(
        state.phase === 'done' && (state as unknown as { since: string }).since >= post.finishedAt!,
        'uncordoned after the post-reboot hook',
      );
      for (const run of runs) {
        const created = await job(world.namespace, run.name);
        assert.ok(
          created.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True'),
          `${run.name} Complete`,
        );
        assert.equal(created.metadata?.labels?.['kreboot.dev/hook-node'], node);
        assert.equal(created.metadata?.labels?.['kreboot.dev/hook-point'], run.point);
        const env = created.spec?.template.spec?.containers[0]?.env ?? [];
        assert.deepEqual(env.find((variable) => variable.name === 'KREBOOT_NODE')?.value, node);
      }
      // The status API names both runs (the Job's name is where the logs are).
      const shown = status.nodes.find((entry) => entry.name === node);
      assert.deepEqual(
        shown?.hooks?.map((run) => run.name),
        runs.map((run) => run.name),
      );
    }
    assert.equal(await metric(world, 'point="pre-drain",kind="job",outcome="succeeded"'), 2);
    assert.equal(await metric(world, 'point="post-reboot",kind="job",outcome="succeeded"'), 2);
    // What a hook costs when its Job is quick (KWOK completes its pod at once): the Job
    // controller's and the controller's reads, measured per run.
    for (const node of world.nodes)
      for (const run of await hooksOf(world, node))
        t.diagnostic(`${node} ${run.point} Job: ${Date.parse(run.finishedAt!) - Date.parse(run.startedAt)} ms from recorded to succeeded`);
  });

  it('a pre-drain Job that fails: that node is given back (uncordoned, not rebooted, notified, a failed attempt); the next node goes on', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 2, required: 'all', startController: false });
    sink.clear();
    await world.startController([
      '--trigger=node',
      '--drain-grace-period=0',
      `--pre-drain-hook-job=${template('pre-held', { held: true })}`,
      '--hook-timeout=120s',
      '--retry-backoff=1h',
      `--notify-url=generic+${sink.url}/notify`,
    ]);
    const first = await cluster.waitFor(
      async () => {
        for (const node of world.nodes) if ((await hooksOf(world, node)).length > 0) return node;
        return undefined;
      },
      { timeoutMs: 60_000, what: 'a first hook run' },
    );
    const other = world.nodes.find((node) => node !== first)!;
    const failing = await runningHook(world, first, 'pre-drain');
    await finishPod(world, failing.run.name, false);
    await cluster.waitFor(async () => (await world.state(first))?.phase === 'failed', { timeoutMs: 60_000, what: `${first} failed` });
    const state = (await world.state(first)) as { reason: string; attempts?: number; retryAt?: string };
    assert.match(state.reason, new RegExp(`pre-drain hook Job ${failing.run.name} failed`));
    assert.equal(state.attempts, 1, 'counted as a failed attempt');
    assert.ok(state.retryAt, 'retried after --retry-backoff');
    assert.notEqual((await world.node(first)).spec?.unschedulable, true, `${first} uncordoned`);
    assert.equal(world.agents.executed.get(first)?.length ?? 0, 0, `${first} not rebooted`);
    assert.equal((await hooksOf(world, first))[0]?.outcome, 'failed');
    await sink.waitForRequest((request) => request.body.includes(failing.run.name), { what: 'the failure notified' });
    // Unrelated work goes on: the other node takes the slot, runs its own hook and reboots.
    const next = await runningHook(world, other, 'pre-drain');
    await finishPod(world, next.run.name, true);
    await waitForAllDone(cluster, world, [other]);
    assert.equal(world.agents.executed.get(other)?.length, 1);
    assert.equal(await metric(world, 'point="pre-drain",kind="job",outcome="failed"'), 1);
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('a Job that hangs past --hook-timeout: stopped, its node given back, and with --hook-failure=halt the rollout halts', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 2, required: 'all', startController: false });
    await world.startController([
      '--trigger=node',
      '--drain-grace-period=0',
      `--pre-drain-hook-job=${template('pre-hang', { held: true })}`,
      '--hook-timeout=4s',
      '--hook-failure=halt',
      '--retry-backoff=1h',
    ]);
    const first = await cluster.waitFor(
      async () => {
        for (const node of world.nodes) if ((await hooksOf(world, node)).length > 0) return node;
        return undefined;
      },
      { timeoutMs: 60_000, what: 'a first hook run' },
    );
    const other = world.nodes.find((node) => node !== first)!;
    await cluster.waitFor(async () => (await world.state(first))?.phase === 'failed', { timeoutMs: 60_000, what: `${first} failed` });
    const [run] = await hooksOf(world, first);
    assert.equal(run?.outcome, 'timed-out', JSON.stringify(run));
    assert.match((await world.state(first))!.reason, /did not finish within the hook timeout/);
    assert.notEqual((await world.node(first)).spec?.unschedulable, true, `${first} uncordoned`);
    assert.deepEqual(await lockHolders(world), [], 'its slot released');
    // Kubernetes stopped the Job (activeDeadlineSeconds) or kreboot deleted it: nothing of it runs.
    await cluster.waitFor(
      async () => {
        const found = await job(world.namespace, run!.name).catch(() => undefined);
        return !found || found.status?.conditions?.some((c) => c.type === 'Failed' && c.status === 'True') === true;
      },
      { what: 'the hung Job stopped' },
    );
    const status = await world.controller.status();
    assert.equal(status.halted?.node, first, 'the rollout is halted, naming the node');
    await world.waitForCycles(3, 'cycles after the halt');
    assert.equal((await world.state(other))?.phase === 'cordoned', false, `${other} did not start while halted`);
    assert.deepEqual(await hooksOf(world, other), []);
    assert.equal(await metric(world, 'point="pre-drain",kind="job",outcome="timed-out"'), 1);
  });

  it('a controller killed while a hook Job runs: the new one finds the same Job, never creates a second, and goes on when it ends', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 1, required: 'all', startController: false });
    const args = [
      '--trigger=node',
      '--drain-grace-period=0',
      `--pre-drain-hook-job=${template('pre-kill', { held: true })}`,
      '--hook-timeout=120s',
    ];
    const node = world.nodes[0]!;
    const first = await world.startController(args);
    const running = await runningHook(world, node, 'pre-drain');
    await first.kill();
    await world.startController(args);
    await world.waitForCycles(3, 'cycles of the new controller');
    const jobs = await batch.listNamespacedJob({ namespace: world.namespace, labelSelector: `kreboot.dev/hook-node=${node}` });
    assert.deepEqual(
      jobs.items.map((item) => item.metadata?.uid),
      [running.job.metadata?.uid],
      'the same Job, and no second',
    );
    assert.equal((await world.state(node))?.phase, 'cordoned', 'still waiting for the hook, not drained');
    assert.equal(world.agents.executed.get(node)?.length ?? 0, 0);
    await finishPod(world, running.run.name, true);
    await waitForAllDone(cluster, world, [node]);
    const runs = await hooksOf(world, node);
    assert.deepEqual(
      runs.map((run) => `${run.name}/${run.outcome}`),
      [`${running.run.name}/succeeded`],
      'one run, not skipped',
    );
    assert.equal(world.agents.executed.get(node)?.length, 1);
    const pods = await cluster.core.listNamespacedPod({
      namespace: world.namespace,
      labelSelector: `batch.kubernetes.io/job-name=${running.run.name}`,
    });
    assert.equal(pods.items.length, 1, 'the hook ran once');
    assert.deepEqual(world.monitor.violations(), []);
  });
});
