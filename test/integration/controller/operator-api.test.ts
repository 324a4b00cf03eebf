// What an operator sees and does: the status API and CLI, pause/resume/reboot behind the admin
// token (refused without it, changing nothing), Kubernetes Events on the node, and metrics.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { ADMIN_TOKEN } from '../../harness/controller/controller-process.ts';
import { setUpWorld, waitForAllDone } from '../../harness/controller/controller-world.ts';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../../../src/cli.ts');
let cluster: Cluster;
let tokenFile: string;

async function kreboot(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

before(async () => {
  cluster = await startCluster();
  tokenFile = join(mkdtempSync(join(tmpdir(), 'kreboot-cli-')), 'token');
  writeFileSync(tokenFile, ADMIN_TOKEN);
});
after(async () => {
  await cluster?.stop();
});

describe('operator API and CLI', () => {
  it('refuses operator actions without the admin token and changes nothing', async (t) => {
    const world = await setUpWorld(t, cluster, {
      nodes: 1,
      controllerArgs: ['--notify-url=generic+http://127.0.0.1:9/hook?token=s3cret-value'],
    });
    const status = await world.controller.status();
    assert.deepEqual(
      status.notifications.map((destination) => destination.service),
      ['generic'],
      'destinations listed',
    );
    assert.doesNotMatch(JSON.stringify(status), /s3cret-value/, 'no secret in the status API');
    assert.doesNotMatch(world.controller.proc.tail(200), /s3cret-value/, 'no secret in the logs');
    for (const headers of [
      {},
      { authorization: 'Bearer wrong' },
      { authorization: `Basic ${Buffer.from(`x:${ADMIN_TOKEN}`).toString('base64')}` },
    ]) {
      const response = await fetch(`${world.controller.url}/api/v1/pause`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{}',
      });
      assert.equal(response.status, 401);
    }
    assert.equal((await world.controller.status()).paused, null);
    const badBody = await world.controller.post('/api/v1/reboot', { nodes: 'x' });
    assert.equal(badBody.status, 400);
    assert.match(JSON.stringify(badBody.body), /node/);
    const unknown = await kreboot(['reboot', 'no-such-node', `--server=${world.controller.url}`, `--token-file=${tokenFile}`]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /unknown node: no-such-node/);
  });

  it('pause holds a requested reboot, status says why, resume lets it finish; events and metrics record it', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 1, required: 'all' });
    const node = world.nodes[0]!;
    const server = `--server=${world.controller.url}`;
    const auth = `--token-file=${tokenFile}`;

    const paused = await kreboot(['pause', server, auth, '--reason=change freeze']);
    assert.equal(paused.code, 0, paused.stderr);
    const requested = await kreboot(['reboot', node, server, auth, '--reason=kernel update']);
    assert.equal(requested.code, 0, requested.stderr);
    await cluster.waitFor(async () => (await world.state(node))?.phase === 'waiting', { what: 'node waiting while paused' });
    const text = await kreboot(['status', server]);
    assert.match(text.stdout, /PAUSED: change freeze/);
    assert.match(text.stdout, new RegExp(`${node}\\s+waiting\\s+paused: rollout paused: change freeze`));
    await world.waitForCycles(2, 'to reboot while paused');
    assert.equal(world.agents.executed.get(node)?.length, 0, 'nothing rebooted while paused');
    assert.equal((await world.state(node))?.phase, 'waiting', 'still waiting while paused');

    const resumed = await kreboot(['resume', server, auth]);
    assert.equal(resumed.code, 0, resumed.stderr);
    await waitForAllDone(cluster, world, [node]);

    const json = JSON.parse((await kreboot(['status', server, '--output=json'])).stdout) as {
      nodes: Array<{ name: string; phase: string }>;
      paused: unknown;
    };
    assert.equal(json.paused, null);
    assert.equal(json.nodes.find((entry) => entry.name === node)?.phase, 'done');

    const events = await cluster.core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: `involvedObject.kind=Node,involvedObject.name=${node}`,
    });
    const reasons = events.items.filter((event) => event.source?.component === 'kreboot-controller').map((event) => event.reason);
    for (const reason of ['RebootBlocked', 'Cordoned', 'Rebooting', 'Rebooted'])
      assert.ok(reasons.includes(reason), `event ${reason} in ${reasons.join(',')}`);
    // The routine verification of a node back under a new boot is in the record, not an Event (ADR 0026).
    assert.ok(!reasons.includes('Verifying'), `no routine Verifying event in ${reasons.join(',')}`);

    const metrics = await (await fetch(`${world.controller.url}/metrics`)).text();
    assert.match(metrics, /kreboot_reboots_total\{result="succeeded"\} 1/);
    assert.match(metrics, /kreboot_nodes\{phase="done"\} 1/);
    assert.match(metrics, /kreboot_phase_duration_seconds_count\{phase="rebooting"\} 1/);
    assert.match(metrics, /kreboot_leader 1/);
    const page = await (await fetch(`${world.controller.url}/`)).text();
    assert.match(page, new RegExp(`<tr data-node="${node}" data-phase="done"`));
  });
});
