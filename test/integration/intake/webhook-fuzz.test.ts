// The real controller under >= 10,000 seeded webhook requests (fuzz-cases.ts): odd node names,
// floods of unknown nodes, huge payloads, wrong types, unicode, broken JSON, wrong credentials.
// Every answer is < 500, each is the answer its case calls for, none takes 1 s or more, no node is
// touched, and the controller does not read the API per unknown name (the API server's own
// request counter says so). FUZZ_SEED replays a run; FUZZ_REQUESTS changes the count.

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { startControllerProcess, type ControllerProcess } from '../../harness/controller/controller-process.ts';
import { kubectlOk } from '../../harness/packaging/cli-tools.ts';
import { fuzzCases, type FuzzCase } from '../../harness/intake/webhook-fuzz-cases.ts';
import { mapLimit } from '../../../src/map-limit.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
// Alertmanager sends a group's notifications one at a time; a few in parallel is already more.
const PARALLEL = 4;
// Cases are generated a batch at a time, outside the timed requests: building a 10,000-alert
// payload in the client must not count against the server's answer time.
const BATCH = 100;
const TOKEN = 'fuzz-webhook-token';
const MAX_NODES = 1000;
const BODY_LIMIT = 1_048_576;

let cluster: Cluster;
let controller: ControllerProcess;
let known: string[];
let outside: string;

/** What a node looks like to kreboot: annotations, labels, schedulability, taints. */
const shape = (node: V1Node) =>
  JSON.stringify([
    node.metadata?.annotations ?? {},
    node.metadata?.labels ?? {},
    node.spec?.unschedulable ?? false,
    node.spec?.taints ?? [],
  ]);

/** The API server's count of GET requests on Nodes (all clients). */
function nodeReads(): number {
  const text = kubectlOk(cluster.kubeconfigPath, ['get', '--raw', '/metrics']);
  let sum = 0;
  for (const line of text.split('\n')) {
    if (
      !line.startsWith('apiserver_request_total{') ||
      !line.includes('resource="nodes"') ||
      !line.includes('verb="GET"') ||
      line.includes('subresource="')
    )
      continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

before(async () => {
  cluster = await startCluster();
  const namespace = await cluster.newNamespace('fuzz');
  known = await cluster.createNodes(3, { prefix: 'fuzz', labels: { 'kreboot-test': namespace } });
  outside = (await cluster.createNodes(1, { prefix: 'fuzz-outside' }))[0]!;
  await cluster.createDaemonSet(namespace, 'kreboot-agent', { tolerations: [{ operator: 'Exists' }] });
  const dir = mkdtempSync(join(tmpdir(), 'kreboot-fuzz-'));
  writeFileSync(join(dir, 'token'), `${TOKEN}\n`);
  controller = await startControllerProcess({
    kubeconfigPath: cluster.kubeconfigPath,
    namespace,
    dsName: 'kreboot-agent',
    nodeSelector: `kreboot-test=${namespace}`,
    name: 'fuzz-controller',
    args: [
      `--webhook-token-file=${join(dir, 'token')}`,
      `--webhook-max-nodes=${MAX_NODES}`,
      `--webhook-body-limit=${BODY_LIMIT}`,
      '--log-level=warn',
    ],
  });
});

after(async () => {
  await controller?.stop();
  await cluster?.stop();
});

test(
  `${REQUESTS} seeded webhook requests (seed ${SEED}): no 5xx, each the right answer, none slow, no node touched`,
  { timeout: 240_000 },
  async () => {
    const nodesBefore = new Map(
      await Promise.all([...known, outside].map(async (name) => [name, shape(await cluster.core.readNode({ name }))] as const)),
    );
    const readsBefore = nodeReads();
    const url = `${controller.url}/api/v1/alerts`;
    const cases = fuzzCases(SEED, REQUESTS, { token: TOKEN, known, outside, maxNodes: MAX_NODES, bodyLimit: BODY_LIMIT });
    const failures: string[] = [];
    const latencies: number[] = [];
    const byKind = new Map<string, Map<number, number>>();
    let sent = 0;

    const send = async (fuzz: FuzzCase) => {
      const index = sent++;
      const started = performance.now();
      let status = 0;
      let text: string;
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: fuzz.headers,
          body: fuzz.body,
          signal: AbortSignal.timeout(10_000),
        });
        status = response.status;
        text = await response.text();
      } catch (error) {
        // A refused request may be cut before the client finished sending: that is an answer only
        // if the server answered; a client-side error with no status is a failure.
        text = String((error as Error).cause ?? error);
      }
      const ms = performance.now() - started;
      latencies.push(ms);
      const counts = byKind.get(fuzz.kind) ?? new Map<number, number>();
      counts.set(status, (counts.get(status) ?? 0) + 1);
      byKind.set(fuzz.kind, counts);
      const problem =
        status >= 500 || status === 0
          ? `answered ${status}: ${text.slice(0, 200)}`
          : !fuzz.statuses.includes(status)
            ? `answered ${status}, expected ${fuzz.statuses.join('/')}: ${text.slice(0, 200)}`
            : ms >= 1000
              ? `took ${Math.round(ms)} ms`
              : status === 200 && fuzz.check
                ? fuzz.check(JSON.parse(text))
                : undefined;
      if (problem && failures.length < 20) failures.push(`#${index} ${fuzz.kind}: ${problem}`);
      else if (problem) failures.push('');
    };
    for (;;) {
      const batch: FuzzCase[] = [];
      for (let next = cases.next(); !next.done; next = batch.length < BATCH ? cases.next() : { done: true, value: undefined })
        batch.push(next.value);
      if (batch.length === 0) break;
      await mapLimit(batch, PARALLEL, send);
    }

    latencies.sort((a, b) => a - b);
    const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
    const summary = [...byKind].map(([kind, counts]) => `${kind}: ${[...counts].map(([s, n]) => `${s}×${n}`).join(' ')}`).join('\n  ');
    console.log(`fuzz seed ${SEED}: ${sent} requests; latency p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms\n  ${summary}`);
    assert.equal(sent, REQUESTS);
    assert.deepEqual(
      failures.filter((f) => f !== ''),
      [],
      `${failures.length} of ${sent} requests failed (first 20 shown)`,
    );

    for (const [name, before] of nodesBefore)
      assert.equal(shape(await cluster.core.readNode({ name })), before, `node ${name} was touched`);
    // Thousands of unknown names went by: the controller answered them from its view. Other clients
    // (KWOK, the controller manager) read Nodes now and then; far fewer than one per unknown name.
    const reads = nodeReads() - readsBefore;
    console.log(`Node GETs served by the API server during the run (all clients): ${reads}`);
    assert.ok(reads < 200, `the API server served ${reads} Node reads during the fuzz run`);
  },
);
