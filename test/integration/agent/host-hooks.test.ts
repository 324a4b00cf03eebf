// Host hooks (ADR 0019) with the real agent process (the shipped bundle under unshare, its
// commands entered through nsenter as on a host) against the real API server: the agent
// advertises the hook points it has a command for, runs the command the controller's hook job
// names once, reports its outcome on the Node (the exit code and the command's last words when it
// fails), and a run interrupted by an agent restart is reported failed, never run again.

import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, test } from 'node:test';
import type { CoreV1Api } from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { waitFor } from '../../harness/wait-for.ts';
import type { HostHookStatus } from '../../../src/store/hook-records.ts';
import { AGENT, CONTROLLER } from '../../../src/store/keys.ts';
import { MERGE_PATCH } from '../../../src/kube/patch.ts';
import { agentKubeconfig } from '../../harness/agent/agent-rbac.ts';
import { startAgent, type AgentProcess } from '../../harness/agent/agent-process.ts';

let cluster: Cluster;
let core: CoreV1Api;
let kubeconfig: string;
const dir = mkdtempSync(join(tmpdir(), 'kreboot-host-hooks-'));
const agents: AgentProcess[] = [];

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
  await printOnFailure(t, () => agents.map((agent) => `--- ${agent.logPath}\n${agent.log().split('\n').slice(-40).join('\n')}`).join('\n'));
  for (const agent of agents.splice(0)) await agent.stop();
});

async function annotations(name: string): Promise<Record<string, string>> {
  return (await core.readNode({ name })).metadata?.annotations ?? {};
}

async function status(name: string): Promise<HostHookStatus | undefined> {
  const raw = (await annotations(name))[AGENT.hookStatus];
  return raw === undefined ? undefined : (JSON.parse(raw) as HostHookStatus);
}

/** The host hook as the controller hands it out. */
async function handOut(node: string, id: string, point: 'pre-drain' | 'post-reboot'): Promise<void> {
  const job = { id, point, notAfter: new Date(Date.now() + 10 * 60_000).toISOString() };
  await core.patchNode({ name: node, body: { metadata: { annotations: { [CONTROLLER.hookJob]: JSON.stringify(job) } } } }, MERGE_PATCH);
}

function script(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

function runsOf(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
}

async function startOn(node: string, name: string, hookArgs: string[]): Promise<AgentProcess> {
  const bootId = join(dir, `${name}-boot_id`);
  writeFileSync(bootId, 'boot-1\n');
  const agent = await startAgent({
    node,
    kubeconfig,
    dir,
    name,
    args: [`--reboot-sentinel=${join(dir, `${name}-sentinel`)}`, `--boot-id-file=${bootId}`, '--period=1h', ...hookArgs],
  });
  agents.push(agent);
  return agent;
}

describe('host hooks', () => {
  test('the agent advertises its hook points, runs the named command once and reports success or failure', async () => {
    const [node] = await cluster.createNodes(1, { prefix: 'host-hook' });
    const ran = join(dir, 'ran');
    const pre = script('pre.sh', `echo "pre $*" >> '${ran}'; echo 'primary stepped down'`);
    const post = script('post.sh', `echo "post $*" >> '${ran}'; echo 'ceph: noout could not be unset' >&2; exit 3`);
    const agent = await startOn(node!, 'hooks-1', [`--pre-drain-hook-command=${pre} --node`, `--post-reboot-hook-command=${post}`]);
    await waitFor(async () => (await annotations(node!))[AGENT.hostHooks] === 'post-reboot,pre-drain', {
      what: 'the advertised hook points',
      timeoutMs: 20_000,
    });

    await handOut(node!, 'hook-pre-1', 'pre-drain');
    const succeeded = await waitFor(async () => ((await status(node!))?.state === 'succeeded' ? status(node!) : undefined), {
      what: 'the pre-drain hook to succeed',
      timeoutMs: 20_000,
    });
    assert.equal(succeeded?.id, 'hook-pre-1');
    assert.equal(succeeded?.exitCode, 0);
    assert.deepEqual(runsOf(ran), ['pre --node']);

    await handOut(node!, 'hook-post-1', 'post-reboot');
    const failed = await waitFor(
      async () => ((await status(node!))?.id === 'hook-post-1' && (await status(node!))?.state === 'failed' ? status(node!) : undefined),
      {
        what: 'the post-reboot hook failure reported',
        timeoutMs: 20_000,
      },
    );
    assert.equal(failed?.exitCode, 3);
    assert.match(failed?.message ?? '', /exit code 3: ceph: noout could not be unset/);
    assert.deepEqual(runsOf(ran), ['pre --node', 'post']);
    assert.match(await agent.metrics(), /kreboot_agent_host_hooks_total\{outcome="failed"\} 1/);

    // The Node changing again (any write) runs nothing again.
    await core.patchNode({ name: node!, body: { metadata: { annotations: { 'test.kreboot.dev/poke': '1' } } } }, MERGE_PATCH);
    await waitFor(async () => (await annotations(node!))['test.kreboot.dev/poke'] === '1');
    assert.deepEqual(runsOf(ran), ['pre --node', 'post']);
  });

  test('an agent killed while its hook runs reports it failed after its restart, and never runs it again', async () => {
    const [node] = await cluster.createNodes(1, { prefix: 'host-hook-kill' });
    const ran = join(dir, 'ran-kill');
    const slow = script('slow.sh', `echo run >> '${ran}'; sleep 600`);
    const first = await startOn(node!, 'hooks-kill-1', [`--pre-drain-hook-command=${slow}`]);
    await waitFor(async () => (await annotations(node!))[AGENT.hostHooks] === 'pre-drain', { timeoutMs: 20_000 });
    await handOut(node!, 'hook-slow', 'pre-drain');
    await waitFor(async () => (await status(node!))?.state === 'started' && runsOf(ran).length === 1, {
      what: 'the hook running',
      timeoutMs: 20_000,
    });
    await first.kill();
    await startOn(node!, 'hooks-kill-2', [`--pre-drain-hook-command=${slow}`]);
    const failed = await waitFor(async () => ((await status(node!))?.state === 'failed' ? status(node!) : undefined), {
      what: 'the interrupted hook reported failed',
      timeoutMs: 20_000,
    });
    assert.match(failed?.message ?? '', /agent restarted while the hook command ran/);
    assert.deepEqual(runsOf(ran), ['run'], 'run once');
  });

  test('an agent without a command for the hook point reports that, and runs nothing', async () => {
    const [node] = await cluster.createNodes(1, { prefix: 'host-hook-none' });
    await startOn(node!, 'hooks-none', []);
    await waitFor(async () => (await annotations(node!))[AGENT.bootId] === 'boot-1', { timeoutMs: 20_000 });
    assert.equal((await annotations(node!))[AGENT.hostHooks], undefined, 'nothing advertised');
    await handOut(node!, 'hook-none', 'post-reboot');
    const failed = await waitFor(async () => ((await status(node!))?.state === 'failed' ? status(node!) : undefined), {
      what: 'the refusal reported',
      timeoutMs: 20_000,
    });
    assert.match(failed?.message ?? '', /no --post-reboot-hook-command/);
  });
});
