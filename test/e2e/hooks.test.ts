// Host hooks end to end (ADR 0019): real agents with --pre-drain-hook-command and
// --post-reboot-hook-command, the real controller handing the hooks out through the job protocol,
// Prometheus and Alertmanager bringing the requests. Each node runs its pre-drain command before
// its drain and its post-reboot command once it is back, before the uncordon; a command that fails
// stops that node's reboot — given back, not rebooted, the chat told with the command's own words.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseHookRuns } from '../../src/store/hook-records.ts';
import { startCluster, type Cluster } from '../harness/cluster.ts';
import { printOnFailure } from '../harness/on-failure.ts';
import { startScenario, type Scenario } from '../harness/scenario/scenario.ts';

let cluster: Cluster;
const scenarios: Scenario[] = [];
const dir = mkdtempSync(join(tmpdir(), 'kreboot-e2e-hooks-'));

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  for (const s of scenarios) await s.stop();
  await cluster?.stop();
});

async function runs(node: string) {
  return parseHookRuns((await cluster.core.readNode({ name: node })).metadata?.annotations?.['kreboot.dev/hooks']);
}

describe('host hooks, end to end', () => {
  it('each node runs its pre-drain command before the drain and its post-reboot command before the uncordon', async (t) => {
    const log = join(dir, 'hooks.log');
    const s = await startScenario(cluster, {
      nodes: 2,
      agentArgs: [`--pre-drain-hook-command=sh -c 'echo pre >> ${log}'`, `--post-reboot-hook-command=sh -c 'echo post >> ${log}'`],
      controllerArgs: ['--hook-timeout=30s'],
    });
    scenarios.push(s);
    t.after(() => printOnFailure(t, () => s.report()));
    for (const node of s.nodes) s.host(node).requireReboot();
    await s.waitRebooted(s.nodes, 120_000);
    for (const node of s.nodes) {
      const recorded = await runs(node);
      assert.deepEqual(
        recorded.map((run) => `${run.point}/${run.kind}/${run.outcome}`),
        ['pre-drain/host/succeeded', 'post-reboot/host/succeeded'],
        `${node}: ${JSON.stringify(recorded)}`,
      );
      const annotations = (await cluster.core.readNode({ name: node })).metadata?.annotations ?? {};
      assert.equal(annotations['kreboot.dev/host-hooks'], 'post-reboot,pre-drain');
      assert.equal(annotations['kreboot.dev/hook-job'], undefined, 'no host hook left handed out');
    }
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    assert.deepEqual(lines.filter((line) => line === 'pre').length, 2, lines.join(','));
    assert.deepEqual(lines.filter((line) => line === 'post').length, 2, lines.join(','));
  });

  it('a pre-drain command that fails stops that node: given back, not rebooted, and the chat says why', async (t) => {
    const s = await startScenario(cluster, {
      nodes: 1,
      agentArgs: [`--pre-drain-hook-command=sh -c 'echo "ceph: cannot set noout" >&2; exit 4'`],
      controllerArgs: ['--hook-timeout=30s', '--retry-backoff=1h'],
    });
    scenarios.push(s);
    t.after(() => printOnFailure(t, () => s.report()));
    const [node] = s.nodes;
    s.host(node!).requireReboot();
    await cluster.waitFor(async () => (await s.state(node!))?.phase === 'failed', { timeoutMs: 90_000, what: `${node} failed` });
    const state = await s.state(node!);
    assert.match(
      state?.reason ?? '',
      /pre-drain hook host command \(kreboot-pre-drain-.*\) failed: host hook command exit code 4: ceph: cannot set noout/,
    );
    assert.notEqual((await cluster.core.readNode({ name: node! })).spec?.unschedulable, true, 'uncordoned');
    assert.ok(!s.hostEvents.some((event) => event.node === node && event.what === 'reboot command ran'), 'not rebooted');
    await cluster.waitFor(() => s.messages().some((message) => message.includes('ceph: cannot set noout')), {
      timeoutMs: 30_000,
      what: 'the chat told',
    });
  });
});
