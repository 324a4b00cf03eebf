// The agent's HTTP surface: metrics and health only; nothing else answers.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { startAgentServer } from '../../../src/agent/agent-server.ts';
import { createAgentMetrics } from '../../../src/agent/metrics.ts';

test('serves /metrics, /healthz and /readyz; every other path or method is refused', async () => {
  const registry = new Registry();
  createAgentMetrics(registry, 'n1').checked({ required: true }, new Date());
  const server = await startAgentServer(registry, '127.0.0.1', 0);
  try {
    const url = (path: string) => `http://127.0.0.1:${server.port}${path}`;
    const metrics = await fetch(url('/metrics'));
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^kured_reboot_required\{node="n1"\} 1$/m);
    assert.equal(await (await fetch(url('/healthz'))).text(), 'ok');
    assert.equal((await fetch(url('/readyz'))).status, 200);
    assert.equal((await fetch(url('/reboot'))).status, 404);
    assert.equal((await fetch(url('/metrics'), { method: 'POST' })).status, 405);
  } finally {
    await server.close();
  }
});
