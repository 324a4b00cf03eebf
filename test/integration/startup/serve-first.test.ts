// A controller that cannot serve must not lead. With its HTTP port taken, the real controller
// stops with a message naming the address and exit code 1, before it watches or seeks the Lease:
// no Lease appears. With the port free it serves, then leads.

import { CONTROLLER_LIMITS } from '../../../src/http/server-limits.ts';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';
import { resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { freePort } from '../../harness/ports.ts';
import { waitFor } from '../../harness/wait-for.ts';

const CLI = resolve(import.meta.dirname, '../../../src/cli.ts');
let cluster: Cluster;

before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

function startController(namespace: string, port: number, extra: string[] = []) {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'controller',
      `--kubeconfig=${cluster.kubeconfigPath}`,
      `--ds-namespace=${namespace}`,
      '--ds-name=kreboot-agent',
      '--metrics-host=127.0.0.1',
      `--metrics-port=${port}`,
      '--webhook-auth=none',
      '--lease-duration=3s',
      '--log-format=json',
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  return { child, exited, output: () => output };
}

const leases = async (namespace: string) => (await cluster.kc.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace })).items;

test('with its port taken, the controller exits 1 naming the address, and never takes the Lease', { timeout: 60_000 }, async () => {
  const namespace = await cluster.newNamespace('serve');
  const blocker = createServer();
  blocker.listen(0, '127.0.0.1');
  await once(blocker, 'listening');
  const port = (blocker.address() as { port: number }).port;
  try {
    const run = startController(namespace, port);
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
    const code = await run.exited;
    clearTimeout(timer);
    assert.equal(code, 1, `exit code; output:\n${run.output()}`);
    assert.match(run.output(), new RegExp(`cannot start: listen EADDRINUSE: address already in use 127\\.0\\.0\\.1:${port}`));
    assert.deepEqual(
      (await leases(namespace)).map((l) => l.metadata?.name),
      [],
      'a Lease was taken',
    );
  } finally {
    blocker.close();
  }
});

test('with its port free, the controller serves and then leads', { timeout: 60_000 }, async () => {
  const namespace = await cluster.newNamespace('serve');
  const port = await freePort();
  const run = startController(namespace, port);
  try {
    await waitFor(
      async () => {
        if (run.child.exitCode !== null) throw new Error(`controller exited: ${run.output()}`);
        return (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok;
      },
      { timeoutMs: 30_000, what: 'the controller to serve' },
    );
    const lease = await waitFor(async () => (await leases(namespace))[0], { timeoutMs: 30_000, what: 'the Lease' });
    assert.equal(lease.metadata?.name, 'kreboot-controller');
  } finally {
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, run.output());
  }
});

/** One probe as the kubelet sends it: a fresh connection, no keep-alive; the status or the error. */
function kubeletProbe(port: number, path: string, localAddress = '127.0.0.1'): Promise<number | string> {
  return new Promise((done) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent: false, localAddress, headers: { connection: 'close' }, timeout: 5000 },
      (res) => {
        res.resume();
        res.on('end', () => done(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => done((error as NodeJS.ErrnoException).code ?? error.message));
    req.end();
  });
}

test(
  "a client holding the public port's connections: the kubelet's probes on --probe-port still answer (issue 26, item 8)",
  { timeout: 90_000 },
  async () => {
    const namespace = await cluster.newNamespace('serve');
    const port = await freePort();
    const probePort = await freePort();
    const run = startController(namespace, port, [`--probe-port=${probePort}`]);
    const held: Socket[] = [];
    try {
      await waitFor(
        async () => {
          if (run.child.exitCode !== null) throw new Error(`controller exited: ${run.output()}`);
          return (await kubeletProbe(probePort, '/readyz')) === 200;
        },
        { timeoutMs: 30_000, what: 'the controller ready on its probe port' },
      );
      // One address opens as many connections as the public listener allows, each holding a status stream.
      for (let i = 0; i < CONTROLLER_LIMITS.maxConnections; i++) {
        const socket = connect(port, '127.0.0.1');
        socket.on('error', () => {});
        socket.write('GET /api/v1/status/events HTTP/1.1\r\nHost: x\r\n\r\n');
        held.push(socket);
      }
      await Promise.all(held.map((socket) => once(socket, 'connect').catch(() => undefined)));
      const answers: (number | string)[] = [];
      for (let i = 0; i < 15; i++) answers.push(await kubeletProbe(probePort, '/healthz'), await kubeletProbe(probePort, '/readyz'));
      assert.deepEqual(
        answers.filter((answer) => answer !== 200),
        [],
        `every probe answered; output:\n${run.output().slice(-2000)}`,
      );
      // Another address (Alertmanager, Prometheus) is still served on the public port.
      assert.equal(await kubeletProbe(port, '/metrics', '127.0.0.2'), 200);
    } finally {
      for (const socket of held) socket.destroy();
      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0, run.output());
    }
  },
);
