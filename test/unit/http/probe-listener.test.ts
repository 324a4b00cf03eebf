// Held connections cannot starve the kubelet's probes (issue 26, item 8). One client holding every
// connection the public listener allows (256) made new connections close on accept, so the
// kubelet's probes, each on a fresh TCP connection, failed and the kubelet restarted the
// controller. Now the probes have their own listener, and the public listener caps the
// connections of one client address. The probes here are opened as the kubelet opens them: a new
// connection each, no keep-alive (node:http with agent: false), never a pooled fetch.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { createBaseApp, listen, type Listening } from '../../../src/http/base-server.ts';
import { listenProbes } from '../../../src/http/probe-server.ts';
import { DEFAULT_LIMITS } from '../../../src/http/server-limits.ts';
import { waitFor } from '../../harness/wait-for.ts';

let main: Listening;
let probes: Listening;
const held: Socket[] = [];
let holding = 0;

before(async () => {
  const app = createBaseApp({ registry: new Registry() });
  // A route that never answers: a client holds a connection with a whole request, cut only by the
  // request timeout (30 s), as a stream reader or a slow client would.
  app.get('/hold', () => {
    holding++;
  });
  main = await listen(app, '127.0.0.1', 0);
  probes = await listenProbes({ host: '127.0.0.1', port: 0, ready: () => true });
});
after(async () => {
  for (const socket of held) socket.destroy();
  await main.close();
  await probes.close();
});

/** One probe as the kubelet sends it: a fresh connection, no keep-alive; the status or the error. */
function kubeletProbe(port: number, path: string, localAddress = '127.0.0.1'): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(
      { host: '127.0.0.1', port, path, agent: false, localAddress, headers: { connection: 'close' }, timeout: 5000 },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error) => resolve((error as NodeJS.ErrnoException).code ?? error.message));
    req.end();
  });
}

test(
  'a client holding every public connection it can: the probes still answer, and another address is still served',
  { timeout: 60_000 },
  async () => {
    // One address opens as many connections as the whole listener allows, each with a request that
    // is never answered.
    for (let i = 0; i < DEFAULT_LIMITS.maxConnections; i++) {
      const socket = connect(main.port, '127.0.0.1');
      socket.on('error', () => {});
      held.push(socket);
      socket.write('GET /hold HTTP/1.1\r\nHost: x\r\n\r\n');
    }
    await Promise.all(held.map((socket) => (socket.readyState === 'open' ? undefined : once(socket, 'connect').catch(() => undefined))));
    // Settled: every connection the server kept has its request waiting.
    let last = -1;
    await waitFor(
      () => {
        const settled = holding === last && holding > 0;
        last = holding;
        return settled;
      },
      { timeoutMs: 10_000, intervalMs: 200, what: 'the held requests to arrive' },
    );
    assert.ok(
      holding <= (DEFAULT_LIMITS.maxConnectionsPerAddress ?? Infinity),
      `one address holds at most ${DEFAULT_LIMITS.maxConnectionsPerAddress} connections (held ${holding})`,
    );

    // The kubelet: 15 probes of each kind on fresh connections, all answered.
    const answers: (number | string)[] = [];
    for (let i = 0; i < 15; i++) {
      answers.push(await kubeletProbe(probes.port, '/healthz'));
      answers.push(await kubeletProbe(probes.port, '/readyz'));
    }
    assert.deepEqual(
      answers.filter((answer) => answer !== 200),
      [],
      'every probe answered 200',
    );
    // The probe listener serves the probes only.
    assert.equal(await kubeletProbe(probes.port, '/metrics'), 404);

    // Another client address (Alertmanager, Prometheus) is still served on the public listener.
    assert.equal(await kubeletProbe(main.port, '/healthz', '127.0.0.2'), 200);
    assert.equal(await kubeletProbe(main.port, '/metrics', '127.0.0.2'), 200);
  },
);
