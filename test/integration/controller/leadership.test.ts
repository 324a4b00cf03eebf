// Leadership with deadlines on the real control plane: replica A reaches the API server through a
// proxy that then stalls (no error, no close, nothing moves). A must stop leading on its own, at
// its renew deadline, before replica B may take the Lease over; B then finishes the work.

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { startHttpSink } from '../../harness/http-sink.ts';
import { startStallProxy } from '../../harness/stall-proxy.ts';
import { startControllerProcess } from '../../harness/controller/controller-process.ts';
import { LOCK_DS, setUpWorld, waitForAllDone } from '../../harness/controller/controller-world.ts';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

/** The time of the first log line with this message, from the controller's JSON log. */
function loggedAt(log: string, message: string): number | undefined {
  for (const line of log.split('\n')) {
    if (!line.includes(message)) continue;
    try {
      const record = JSON.parse(line) as { msg?: string; time?: number | string };
      if (record.msg === message && record.time !== undefined)
        return typeof record.time === 'number' ? record.time : Date.parse(record.time);
    } catch {
      // not a JSON line
    }
  }
  return undefined;
}

describe('leadership', () => {
  it('a replica whose Lease calls hang stops leading before another takes over, and the other finishes', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 1, startController: false });
    const server = new URL(cluster.server);
    const proxy = await startStallProxy({ host: server.hostname, port: Number(server.port) });
    t.after(() => proxy.close());
    const kubeconfig = JSON.parse(readFileSync(cluster.kubeconfigPath, 'utf8')) as { clusters: { cluster: { server: string } }[] };
    kubeconfig.clusters[0]!.cluster.server = proxy.url;
    const proxiedPath = `${cluster.kubeconfigPath}.proxied-${world.namespace}.json`;
    writeFileSync(proxiedPath, JSON.stringify(kubeconfig), { mode: 0o600 });

    const common = { namespace: world.namespace, dsName: LOCK_DS, nodeSelector: world.selector, args: ['--lease-duration=3s'] };
    const a = await startControllerProcess({ ...common, kubeconfigPath: proxiedPath, name: 'replica-a' });
    t.after(() => a.stop());
    await cluster.waitFor(async () => (await a.status()).leader, { what: 'replica A leads' });
    const b = await startControllerProcess({ ...common, kubeconfigPath: cluster.kubeconfigPath, name: 'replica-b' });
    t.after(() => b.stop());

    proxy.stall();
    await cluster.waitFor(async () => (await b.status()).leader, { timeoutMs: 30_000, what: 'replica B takes over' });
    assert.equal((await a.status()).leader, false, 'A no longer claims to lead');
    const aStopped = loggedAt(a.proc.tail(2000), 'stopped leading');
    const bLeads = loggedAt(b.proc.tail(2000), 'became leader');
    assert.ok(aStopped !== undefined, `A logged that it stopped leading:\n${a.proc.tail(30)}`);
    assert.ok(bLeads !== undefined, 'B logged that it became leader');
    assert.ok(
      aStopped < bLeads,
      `A stopped leading (${new Date(aStopped).toISOString()}) before B led (${new Date(bLeads).toISOString()})`,
    );

    // B does the work while A is cut off.
    assert.equal((await b.post('/api/v1/reboot', { node: world.nodes[0], reason: 'test' })).status, 202);
    await waitForAllDone(cluster, world, world.nodes, 60_000);
    assert.deepEqual(world.monitor.violations(), []);
  });

  it('on SIGTERM the running cycle finishes before the Lease is released', async (t) => {
    const world = await setUpWorld(t, cluster, { nodes: 1, startController: false });
    // A Prometheus that answers the alert gate's query only after 3 s holds the cycle open.
    const prometheus = await startHttpSink();
    t.after(() => prometheus.close());
    prometheus.respond('/api/v1/query', { delayMs: 3000, body: { status: 'success', data: { resultType: 'vector', result: [] } } });
    const controller = await world.startController([`--prometheus-url=${prometheus.url}`]);
    await cluster.waitFor(async () => (await controller.status()).leader, { what: 'the controller leads' });
    assert.equal((await controller.post('/api/v1/reboot', { node: world.nodes[0], reason: 'test' })).status, 202);
    await prometheus.waitForRequest((request) => request.path.startsWith('/api/v1/query'), { what: 'the cycle asks the gate' });
    await controller.proc.stop(20_000);

    // The cycle's write (the node cordoned once the gate opened) precedes the Lease's release in
    // the API server's own order (resourceVersions come from etcd's revision, one global counter).
    const node = await world.node(world.nodes[0]!);
    const lease = await cluster.kc
      .makeApiClient(CoordinationV1Api)
      .readNamespacedLease({ namespace: world.namespace, name: 'kreboot-controller' });
    assert.equal(lease.spec?.holderIdentity ?? '', '', 'the Lease was released');
    assert.equal(
      JSON.parse(node.metadata?.annotations?.['kreboot.dev/state'] ?? '{}').phase,
      'cordoned',
      'the cycle under way finished its work',
    );
    assert.ok(
      Number(node.metadata?.resourceVersion) < Number(lease.metadata?.resourceVersion),
      `node written at ${node.metadata?.resourceVersion}, Lease released at ${lease.metadata?.resourceVersion}`,
    );
  });
});
