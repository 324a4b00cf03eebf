// The agent against the real local control plane, for KWOK nodes: the real `kreboot agent`
// process (under unshare, see agent-process.ts) with a ServiceAccount token that has exactly the
// RBAC docs/agent.md lists. Reboot commands are harmless scripts that record that they ran.

import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { CoreV1Api, V1Node } from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { parseLogfmt } from '../../harness/logfmt.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { waitFor } from '../../harness/wait-for.ts';
import type { JobStatus } from '../../../src/store/job-records.ts';
import { AGENT, CONTROLLER } from '../../../src/store/keys.ts';
import { MERGE_PATCH } from '../../../src/kube/patch.ts';
import { agentKubeconfig } from '../../harness/agent/agent-rbac.ts';
import { startAgent, type AgentProcess } from '../../harness/agent/agent-process.ts';

let cluster: Cluster;
let core: CoreV1Api;
let kubeconfig: string;
const dir = mkdtempSync(join(tmpdir(), 'kreboot-agent-it-'));
const agents: AgentProcess[] = [];
const nodesUsed: string[] = [];

before(async () => {
  cluster = await startCluster();
  core = cluster.core;
  kubeconfig = await agentKubeconfig(cluster);
});

after(async () => {
  for (const agent of agents) await agent.stop();
  await cluster?.stop();
});

afterEach(async (t) => {
  await printOnFailure(t, async () => {
    const parts: string[] = [];
    for (const agent of agents) parts.push(`--- agent log ${agent.logPath}\n${agent.log().split('\n').slice(-40).join('\n')}`);
    parts.push(await cluster.dumpLogs({ nodes: nodesUsed.splice(0), print: false }));
    return parts.join('\n');
  });
  nodesUsed.length = 0;
  for (const agent of agents.splice(0)) await agent.stop();
});

async function newNode(prefix: string): Promise<string> {
  const [name] = await cluster.createNodes(1, { prefix });
  nodesUsed.push(name!);
  return name!;
}

async function annotations(name: string): Promise<Record<string, string>> {
  return (await core.readNode({ name })).metadata?.annotations ?? {};
}

async function annotate(name: string, values: Record<string, string | null>): Promise<V1Node> {
  return core.patchNode({ name, body: { metadata: { annotations: values } } }, MERGE_PATCH);
}

async function jobStatus(name: string): Promise<JobStatus | undefined> {
  const raw = (await annotations(name))[AGENT.jobStatus];
  return raw === undefined ? undefined : (JSON.parse(raw) as JobStatus);
}

function files(name: string) {
  const base = mkdtempSync(join(dir, `${name}-`));
  const bootIdFile = join(base, 'boot_id');
  writeFileSync(bootIdFile, 'boot-1\n');
  const ranFile = join(base, 'reboot-ran');
  const script = join(base, 'reboot.sh');
  writeFileSync(script, `#!/bin/sh\necho "$(date +%s.%N) $*" >> '${ranFile}'\n`);
  chmodSync(script, 0o755);
  const failing = join(base, 'failing-reboot.sh');
  writeFileSync(failing, `#!/bin/sh\necho 'Failed to reboot: interactive authentication required' >&2\nexit 3\n`);
  chmodSync(failing, 0o755);
  const statFile = join(base, 'stat');
  writeFileSync(statFile, 'cpu  2255 34 2290 22625563\nbtime 1764547200\nprocesses 2915\n');
  return {
    base,
    bootIdFile,
    statFile,
    sentinel: join(base, 'reboot-required'),
    ranFile,
    script,
    failing,
    runs: () => (existsSync(ranFile) ? readFileSync(ranFile, 'utf8').trim().split('\n').length : 0),
  };
}

async function agent(node: string, name: string, args: string[]): Promise<AgentProcess> {
  const started = await startAgent({ node, kubeconfig, dir, name, args });
  agents.push(started);
  return started;
}

/** A job as the controller writes it: bounded by notAfter (the agent refuses a job without one). */
function dispatch(node: string, id: string, bootIdBefore: string, pool?: string) {
  const now = Date.now();
  const job = {
    id,
    createdAt: new Date(now).toISOString(),
    bootIdBefore,
    notAfter: new Date(now + 10 * 60_000).toISOString(),
    ...(pool ? { pool } : {}),
  };
  return annotate(node, { [CONTROLLER.rebootJob]: JSON.stringify(job) });
}

describe('sentinel', () => {
  test('a sentinel file appearing sets the metric to 1 and the Node report within one period', async () => {
    const node = await newNode('agent-file');
    const f = files('file');
    const periodMs = 3_000;
    // kured's default text format: logrus logfmt, with kured's "Reboot required" texts.
    const a = await agent(node, 'file', [
      `--reboot-sentinel=${f.sentinel}`,
      `--boot-id-file=${f.bootIdFile}`,
      '--period=3s',
      '--log-format=text',
    ]);
    await waitFor(async () => (await annotations(node))[AGENT.rebootRequired] === 'false', { what: 'the first report', timeoutMs: 20_000 });
    assert.equal(await a.metric('kured_reboot_required', `node="${node}"`), 0);
    const first = await annotations(node);
    assert.equal(first[AGENT.bootId], 'boot-1');
    assert.equal(first[AGENT.agentVersion], '0.1.0');
    assert.equal(first[AGENT.sentinelError], undefined);
    // The default --proc-stat-file is this machine's /proc/stat (not namespaced): its btime.
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))![1]);
    assert.equal(first[AGENT.bootTime], new Date(btime * 1000).toISOString());

    writeFileSync(f.sentinel, '');
    const createdAt = Date.now();
    // One period plus the time an API round trip may take on a busy machine.
    await waitFor(async () => (await a.metric('kured_reboot_required', `node="${node}"`)) === 1, {
      what: 'kured_reboot_required 1',
      timeoutMs: periodMs + 5_000,
    });
    const report = await waitFor(
      async () => {
        const now = await annotations(node);
        return now[AGENT.rebootRequired] === 'true' ? now : undefined;
      },
      { what: 'reboot-required "true" on the Node', timeoutMs: periodMs + 5_000 },
    );
    assert.ok(Date.parse(report[AGENT.sentinelCheckedAt]!) >= createdAt - 1_000, "the check time is the new check's");
    const events = a
      .log()
      .split('\n')
      .filter((l) => l !== '')
      .map((line) => parseLogfmt(line));
    for (const event of events) assert.deepEqual([...event.keys()].slice(0, 3), ['time', 'level', 'msg']);
    const checks = events.filter((e) => /^Reboot (not )?required$/.test(e.get('msg') ?? ''));
    assert.equal(checks[0]?.get('msg'), 'Reboot not required');
    assert.equal(checks.at(-1)?.get('msg'), 'Reboot required');
    assert.equal(checks.at(-1)?.get('level'), 'info');
  });

  test('with --period=1h, the sentinel file appearing and going is reported at once (the folder watch)', async () => {
    const node = await newNode('agent-watch');
    const f = files('watch');
    const a = await agent(node, 'watch', [`--reboot-sentinel=${f.sentinel}`, `--boot-id-file=${f.bootIdFile}`, '--period=1h']);
    await waitFor(async () => (await annotations(node))[AGENT.rebootRequired] === 'false', { what: 'the first report', timeoutMs: 20_000 });
    // What update-notifier does: write the file (the first line, then more).
    writeFileSync(f.sentinel, '*** System restart required ***\n');
    writeFileSync(f.sentinel, 'linux-image-6.1.0-28-amd64\n', { flag: 'a' });
    const createdAt = Date.now();
    const report = await waitFor(
      async () => {
        const now = await annotations(node);
        return now[AGENT.rebootRequired] === 'true' ? now : undefined;
      },
      { what: 'reboot-required "true" on the Node, long before the hour', timeoutMs: 10_000 },
    );
    assert.ok(Date.parse(report[AGENT.sentinelCheckedAt]!) >= createdAt - 1_000, 'a new check, not the one at start');
    assert.equal(await a.metric('kured_reboot_required', `node="${node}"`), 1);
    rmSync(f.sentinel);
    await waitFor(async () => (await annotations(node))[AGENT.rebootRequired] === 'false', {
      what: 'reboot-required "false" again',
      timeoutMs: 10_000,
    });
    assert.equal(await a.metric('kured_reboot_required', `node="${node}"`), 0);
  });

  test('a sentinel folder that does not exist at start is watched once it appears', async () => {
    const node = await newNode('agent-late');
    const f = files('late');
    const sentinel = join(f.base, 'run', 'reboot-required');
    const a = await agent(node, 'late', [`--reboot-sentinel=${sentinel}`, `--boot-id-file=${f.bootIdFile}`, '--period=1h']);
    await waitFor(async () => (await annotations(node))[AGENT.rebootRequired] === 'false', { what: 'the first report', timeoutMs: 20_000 });
    assert.match(a.log(), /the sentinel folder does not exist \(yet\)/);
    mkdirSync(join(f.base, 'run'));
    await waitFor(() => /watching the sentinel folder again/.test(a.log()), { what: 'the watch on the new folder', timeoutMs: 10_000 });
    writeFileSync(sentinel, '');
    await waitFor(async () => (await annotations(node))[AGENT.rebootRequired] === 'true', {
      what: 'reboot-required "true" on the Node',
      timeoutMs: 10_000,
    });
  });

  test("the controller's check request makes the agent check at once", async () => {
    // A sentinel command: no watch can see its answer change, so only the request (or the hour) does.
    const node = await newNode('agent-request');
    const f = files('request');
    await agent(node, 'request', [
      `--reboot-sentinel-command=sh -c "test -f '${f.sentinel}'"`,
      `--boot-id-file=${f.bootIdFile}`,
      '--period=1h',
    ]);
    await waitFor(async () => (await annotations(node))[AGENT.rebootRequired] === 'false', { what: 'the first report', timeoutMs: 20_000 });
    writeFileSync(f.sentinel, '');
    // The agent takes the first value it sees as the baseline (it checked at start anyway), and its
    // Node watch may begin only after the first report: ask again until a request lands after it.
    await waitFor(
      async () => {
        if ((await annotations(node))[AGENT.rebootRequired] === 'true') return true;
        await annotate(node, { [CONTROLLER.checkRequestedAt]: new Date().toISOString() });
        return false;
      },
      { what: 'the requested check', timeoutMs: 15_000, intervalMs: 1_000 },
    );
  });

  test("a sentinel command runs in PID 1's mount namespace through nsenter", async () => {
    const node = await newNode('agent-command');
    const f = files('command');
    const a = await agent(node, 'command', [
      `--reboot-sentinel-command=sh -c "test -f '${f.sentinel}'"`,
      `--boot-id-file=${f.bootIdFile}`,
      '--period=2s',
    ]);
    await waitFor(async () => (await annotations(node))[AGENT.rebootRequired] === 'false', { what: 'the first report', timeoutMs: 20_000 });
    writeFileSync(f.sentinel, '');
    await waitFor(async () => (await a.metric('kured_reboot_required', `node="${node}"`)) === 1, {
      what: 'kured_reboot_required 1',
      timeoutMs: 15_000,
    });
    assert.equal((await annotations(node))[AGENT.sentinelError], undefined);
  });

  test('a missing sentinel command is an error and never leads to a reboot', async () => {
    const node = await newNode('agent-missing');
    const f = files('missing');
    const a = await agent(node, 'missing', [
      '--reboot-sentinel-command=/usr/bin/needs-restarting-not-installed --reboothint',
      `--boot-id-file=${f.bootIdFile}`,
      '--period=1h',
      `--reboot-command=${f.script}`,
    ]);
    const report = await waitFor(
      async () => {
        const now = await annotations(node);
        return now[AGENT.sentinelError] ? now : undefined;
      },
      { what: 'the sentinel error on the Node', timeoutMs: 20_000 },
    );
    assert.equal(report[AGENT.rebootRequired], 'false');
    assert.match(report[AGENT.sentinelError]!, /exit code 127/);
    assert.equal(await a.metric('kured_reboot_required', `node="${node}"`), 0);
    // Asked again by the controller: still an error, still not required.
    await annotate(node, { [CONTROLLER.checkRequestedAt]: new Date().toISOString() });
    await waitFor(async () => (await a.metric('kreboot_agent_sentinel_errors_total')) === 2, {
      what: 'the second failed check',
      timeoutMs: 15_000,
    });
    assert.equal(await a.metric('kured_reboot_required', `node="${node}"`), 0);
    assert.equal((await annotations(node))[AGENT.rebootRequired], 'false');
    assert.equal(f.runs(), 0, 'the reboot command never ran');
  });
});

describe('reboot jobs', () => {
  test('a dispatched job runs once, not again after an agent restart, and is done after the reboot', async () => {
    const node = await newNode('agent-job');
    const f = files('job');
    const args = [
      `--reboot-sentinel=${f.sentinel}`,
      `--boot-id-file=${f.bootIdFile}`,
      `--proc-stat-file=${f.statFile}`,
      '--period=1h',
      `--reboot-command=${f.script} --now`,
    ];
    let a = await agent(node, 'job-1', args);
    await waitFor(async () => (await annotations(node))[AGENT.bootId] === 'boot-1', { what: 'the boot ID report', timeoutMs: 20_000 });
    assert.equal(
      (await annotations(node))[AGENT.bootTime],
      '2025-12-01T00:00:00.000Z',
      'boot time from --proc-stat-file, in the same report',
    );

    await dispatch(node, 'job-a', 'boot-1');
    const started = await waitFor(
      async () => {
        const status = await jobStatus(node);
        return status?.state === 'started' ? status : undefined;
      },
      { what: 'job-status started', timeoutMs: 20_000 },
    );
    assert.deepEqual({ id: started.id, bootId: started.bootId }, { id: 'job-a', bootId: 'boot-1' });
    await waitFor(() => f.runs() === 1, { what: 'the reboot script to run', timeoutMs: 10_000 });
    assert.match(readFileSync(f.ranFile, 'utf8'), /--now/);

    // kill -9 after `started`; the restarted agent sees the job again and must not re-run it.
    await a.kill();
    a = await agent(node, 'job-2', args);
    await waitFor(() => /"reason":"already started"/.test(a.log()), { what: 'the restarted agent to judge the job', timeoutMs: 20_000 });
    assert.equal(f.runs(), 1);

    // The "reboot": a new boot ID, and the agent starts again.
    await a.stop();
    writeFileSync(f.bootIdFile, 'boot-2\n');
    writeFileSync(f.statFile, 'btime 1764633600\n');
    a = await agent(node, 'job-3', args);
    await waitFor(async () => (await annotations(node))[AGENT.bootId] === 'boot-2', {
      what: 'the new boot ID on the Node',
      timeoutMs: 20_000,
    });
    assert.equal((await annotations(node))[AGENT.bootTime], '2025-12-02T00:00:00.000Z', "the new boot's time with the new boot ID");
    await waitFor(() => /"reason":"done: the host booted since the job was created"/.test(a.log()), {
      what: 'the job recognised as done',
      timeoutMs: 20_000,
    });
    assert.equal(f.runs(), 1);
    assert.equal((await jobStatus(node))?.state, 'started');
  });

  test('an agent killed during the reboot delay finishes the job after its restart, once', async () => {
    const node = await newNode('agent-delay');
    const f = files('delay');
    const args = [
      `--reboot-sentinel=${f.sentinel}`,
      `--boot-id-file=${f.bootIdFile}`,
      '--period=1h',
      `--reboot-command=${f.script}`,
      '--reboot-delay=3s',
    ];
    let a = await agent(node, 'delay-1', args);
    await waitFor(async () => (await annotations(node))[AGENT.bootId] === 'boot-1', { what: 'the boot ID report', timeoutMs: 20_000 });
    await dispatch(node, 'job-d', 'boot-1');
    await waitFor(async () => (await jobStatus(node))?.state === 'acknowledged', { what: 'job-status acknowledged', timeoutMs: 20_000 });
    await a.kill();
    assert.equal(f.runs(), 0);
    a = await agent(node, 'delay-2', args);
    await waitFor(async () => (await jobStatus(node))?.state === 'started', {
      what: 'job-status started after the restart',
      timeoutMs: 30_000,
    });
    await waitFor(() => f.runs() === 1, { what: 'the reboot script to run', timeoutMs: 10_000 });
    await waitFor(async () => (await a.metric('kreboot_agent_reboot_jobs_total', 'outcome="started"')) === 1, {
      what: 'the started job counted',
      timeoutMs: 10_000,
    });
    assert.equal(f.runs(), 1);
  });

  test('a failing reboot command is reported as failed with its exit code and stderr', async () => {
    const node = await newNode('agent-fail');
    const f = files('fail');
    const a = await agent(node, 'fail', [
      `--reboot-sentinel=${f.sentinel}`,
      `--boot-id-file=${f.bootIdFile}`,
      '--period=1h',
      `--reboot-command=${f.failing}`,
    ]);
    await waitFor(async () => (await annotations(node))[AGENT.bootId] === 'boot-1', { what: 'the boot ID report', timeoutMs: 20_000 });
    await dispatch(node, 'job-f', 'boot-1');
    const failed = await waitFor(
      async () => {
        const status = await jobStatus(node);
        return status?.state === 'failed' ? status : undefined;
      },
      { what: 'job-status failed', timeoutMs: 20_000 },
    );
    assert.equal(failed.id, 'job-f');
    assert.equal(failed.exitCode, 3);
    assert.match(failed.message ?? '', /interactive authentication required/);
    assert.equal(await a.metric('kreboot_agent_reboot_jobs_total', 'outcome="failed"'), 1);
  });

  test("a job naming a pool runs that pool's reboot command from the agent's pools file; a pool the file lacks fails, naming it", async () => {
    const node = await newNode('agent-pool');
    const f = files('pool');
    const poolScript = join(f.base, 'pool-reboot.sh');
    const poolRan = join(f.base, 'pool-ran');
    writeFileSync(poolScript, `#!/bin/sh\necho "$*" >> '${poolRan}'\n`);
    chmodSync(poolScript, 0o755);
    const poolsFile = join(f.base, 'pools.yaml');
    writeFileSync(
      poolsFile,
      `pools:\n  - name: gpu\n    nodeSelector: gpu=true\n    rebootCommand: ${poolScript} --gpu\n  - name: plain\n    nodeSelector: plain=true\n`,
    );
    const args = [`--reboot-sentinel=${f.sentinel}`, `--boot-id-file=${f.bootIdFile}`, '--period=1h', `--reboot-command=${f.script}`];
    const a = await agent(node, 'pool-1', [...args, `--pools-file=${poolsFile}`]);
    await waitFor(async () => (await annotations(node))[AGENT.bootId] === 'boot-1', { what: 'the boot ID report', timeoutMs: 20_000 });
    await dispatch(node, 'job-gpu', 'boot-1', 'gpu');
    await waitFor(() => existsSync(poolRan), { what: "the gpu pool's reboot command", timeoutMs: 20_000 });
    assert.match(readFileSync(poolRan, 'utf8'), /--gpu/);
    assert.equal(f.runs(), 0, "the agent's own --reboot-command did not run");

    // A pool that declares no method: the agent's own flags.
    await dispatch(node, 'job-plain', 'boot-1', 'plain');
    await waitFor(() => f.runs() === 1, { what: "the agent's own command for pool plain", timeoutMs: 20_000 });

    // A pool the agent's file does not declare: refused, reported as failed with the reason.
    await a.stop();
    await agent(node, 'pool-2', [...args, `--pools-file=${poolsFile}`]);
    await dispatch(node, 'job-unknown', 'boot-1', 'db');
    const failed = await waitFor(
      async () => {
        const status = await jobStatus(node);
        return status?.id === 'job-unknown' && status.state === 'failed' ? status : undefined;
      },
      { what: 'job-status failed', timeoutMs: 20_000 },
    );
    assert.match(failed.message ?? '', /the job names pool "db", which the agent's pools file .* does not declare/);
    assert.equal(f.runs(), 1);
    assert.equal(readFileSync(poolRan, 'utf8').trim().split('\n').length, 1);
  });

  test('a job for another boot is never run', async () => {
    const node = await newNode('agent-oldboot');
    const f = files('oldboot');
    const a = await agent(node, 'oldboot', [
      `--reboot-sentinel=${f.sentinel}`,
      `--boot-id-file=${f.bootIdFile}`,
      '--period=1h',
      `--reboot-command=${f.script}`,
    ]);
    await waitFor(async () => (await annotations(node))[AGENT.bootId] === 'boot-1', { what: 'the boot ID report', timeoutMs: 20_000 });
    await dispatch(node, 'job-old', 'boot-0');
    await waitFor(() => /"job":"job-old","reason":"done: the host booted/.test(a.log()), {
      what: 'the job judged done',
      timeoutMs: 20_000,
    });
    assert.equal(await jobStatus(node), undefined);
    assert.equal(f.runs(), 0);
  });
});

describe('boot time', () => {
  test('an unreadable --proc-stat-file leaves the boot time out and logs why; the rest of the report is written', async () => {
    const node = await newNode('agent-btime');
    const f = files('btime');
    writeFileSync(f.statFile, 'cpu 1 2 3\n');
    const a = await agent(node, 'btime', [
      `--reboot-sentinel=${f.sentinel}`,
      `--boot-id-file=${f.bootIdFile}`,
      `--proc-stat-file=${f.statFile}`,
      '--period=2s',
    ]);
    await waitFor(async () => (await annotations(node))[AGENT.bootId] === 'boot-1', { what: 'the report', timeoutMs: 20_000 });
    assert.equal((await annotations(node))[AGENT.bootTime], undefined);
    assert.match(a.log(), /cannot read the boot time.*has no \\"btime\\" line|has no \\"btime\\" line.*cannot read the boot time/);
    writeFileSync(f.statFile, 'btime 1764547200\n');
    await waitFor(async () => (await annotations(node))[AGENT.bootTime] === '2025-12-01T00:00:00.000Z', {
      what: 'the boot time once readable',
      timeoutMs: 15_000,
    });
  });
});

describe('identity', () => {
  test('an agent whose Node does not exist logs it, keeps running, and reports once the Node appears', async () => {
    const f = files('late');
    const name = `agent-late-${Date.now().toString(36)}`;
    const a = await agent(name, 'late', [`--reboot-sentinel=${f.sentinel}`, `--boot-id-file=${f.bootIdFile}`, '--period=1h']);
    await waitFor(() => /Node does not exist/.test(a.log()), { what: 'the missing-Node error in the log', timeoutMs: 20_000 });
    assert.equal((await fetch(`http://127.0.0.1:${a.port}/healthz`)).status, 200);
    await core.createNode({ body: { metadata: { name } } });
    nodesUsed.push(name);
    await waitFor(async () => (await annotations(name))[AGENT.rebootRequired] === 'false', {
      what: 'the report on the late Node',
      timeoutMs: 90_000,
    });
    await cluster.deleteNodes([name]);
    rmSync(f.base, { recursive: true, force: true });
  });
});
