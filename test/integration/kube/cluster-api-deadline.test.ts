// Issue 26 item 10: every Kubernetes API call of the decision loop (ClusterApi) has a total
// deadline. Through a proxy in front of the real API server that stalls (no byte moves) or
// trickles (one byte every 100 ms: never quiet, so an idle timeout would not fire, yet an answer
// takes minutes), each call fails soon after its 1 s deadline with a message that says so; before,
// a hung call held the decision cycle as long as the connection lived. The cluster view's informer
// lists have a deadline too: a stalled list ended only by undici's own timeout (about 10 s).

import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { startStallProxy, type StallProxy } from '../../harness/stall-proxy.ts';
import { createClusterApi, type ClusterApi } from '../../../src/controller/cluster-api.ts';
import { blockingPodsGate } from '../../../src/gates/blocking-pods-gate.ts';
import { createClusterView } from '../../../src/controller/cluster/cluster-view.ts';
import { memoryLogger } from '../../harness/memory-log.ts';
import { waitFor } from '../../harness/wait-for.ts';

const DEADLINE_MS = 1000;
/** Far beyond the deadline, far below a trickled answer (minutes): the call must end before this. */
const BOUND_MS = 20_000;
/** A stalled list ends by undici's own timeout after about 10 s: a list bounded by its deadline ends well before. */
const LIST_BOUND_MS = 6_000;

let cluster: Cluster;
let proxy: StallProxy;
let api: ClusterApi;
let node: string;
let kc: KubeConfig;
before(async () => {
  cluster = await startCluster();
  [node] = (await cluster.createNodes(1)) as [string];
  const server = new URL(cluster.server);
  proxy = await startStallProxy({ host: server.hostname, port: Number(server.port) });
  const kubeconfig = JSON.parse(readFileSync(cluster.kubeconfigPath, 'utf8')) as { clusters: { cluster: { server: string } }[] };
  kubeconfig.clusters[0]!.cluster.server = proxy.url;
  const proxiedPath = `${cluster.kubeconfigPath}.proxied-deadline-${process.pid}.json`;
  writeFileSync(proxiedPath, JSON.stringify(kubeconfig), { mode: 0o600 });
  kc = new KubeConfig();
  kc.loadFromFile(proxiedPath);
  api = createClusterApi(kc, { callTimeoutMs: DEADLINE_MS });
});
after(async () => {
  await proxy?.close();
  await cluster?.stop();
});

/** Runs `call`, which must fail within BOUND_MS; returns its message. */
async function failsAtDeadline(call: () => Promise<unknown>): Promise<string> {
  const started = performance.now();
  let guard: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    call().then(
      () => ({ error: undefined }),
      (error: unknown) => ({ error: error as Error }),
    ),
    new Promise<'hung'>((resolve) => (guard = setTimeout(() => resolve('hung'), BOUND_MS))),
  ]);
  clearTimeout(guard);
  const ms = Math.round(performance.now() - started);
  assert.notEqual(outcome, 'hung', `the call was still waiting after ${BOUND_MS} ms (deadline ${DEADLINE_MS} ms)`);
  assert.ok(outcome !== 'hung' && outcome.error, `the call should have failed at its deadline (it succeeded after ${ms} ms)`);
  return outcome.error.message;
}

describe('ClusterApi call deadline', () => {
  it('answers through the proxy while it passes bytes', async () => {
    proxy.resume();
    assert.equal((await api.readNode(node)).metadata?.name, node);
  });

  it('a read through a stalled connection fails at the deadline', async () => {
    proxy.stall();
    try {
      assert.match(await failsAtDeadline(() => api.readNode(node)), /deadline/);
    } finally {
      proxy.resume();
    }
  });

  it('reads, lists and writes against a trickling API server fail at the deadline', async () => {
    proxy.trickle(100);
    try {
      assert.match(await failsAtDeadline(() => api.readNode(node)), /deadline/);
      assert.match(await failsAtDeadline(() => api.listPodsOnNode(node)), /deadline/);
      assert.match(
        await failsAtDeadline(() => api.patchNode(node, { metadata: { annotations: { 'kreboot-test/deadline': 'x' } } })),
        /deadline/,
      );
    } finally {
      proxy.resume();
    }
    // And the client is usable again once the API server answers.
    assert.equal((await api.readNode(node)).metadata?.name, node);
  });

  it("the blocking-pods gate's pod list (inside the cycle too) fails at the deadline: the gate blocks, saying so", async () => {
    const gate = blockingPodsGate({ api: kc.makeApiClient(CoreV1Api), selectors: ['app=blocking'], callTimeoutMs: DEADLINE_MS });
    proxy.trickle(100);
    try {
      const message = await failsAtDeadline(async () => {
        const verdict = (await gate.evaluate({ now: new Date(), nodes: [node] }))(node);
        if (!verdict.open) throw new Error(verdict.reason);
      });
      assert.match(message, /^cannot list blocking pods: .*deadline/);
    } finally {
      proxy.resume();
    }
  });

  it("the cluster view's lists end at their deadline: a stalled API server is reported and retried, and the view lists once it answers", async () => {
    const { log, lines } = memoryLogger();
    const view = createClusterView({
      kc,
      dsNamespace: 'default',
      dsName: 'no-such-lock',
      nodeSelector: '',
      log,
      onChange: () => undefined,
      listTimeoutMs: DEADLINE_MS,
    });
    proxy.stall();
    try {
      const starting = view.start();
      await waitFor(
        () => lines.some((line) => /"msg":"watch failed; restarting"/.test(line) && /deadline|aborted|TimeoutError/i.test(line)),
        {
          what: 'a list ended by its deadline, logged and retried',
          timeoutMs: LIST_BOUND_MS,
        },
      );
      assert.equal(view.synced(), false, 'nothing listed while the API server is stalled');
      proxy.resume();
      await starting;
      await waitFor(() => view.synced() && view.node(node) !== undefined, { what: 'the view listed once the API server answers' });
    } finally {
      proxy.resume();
      await view.stop();
    }
  });
});
