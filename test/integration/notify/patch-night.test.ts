// Patch night, as the chat channel sees it: every node needs a reboot at once and the maintenance
// window is closed, so the real controller records every one of them as waiting in the same
// moment. The channel (a loopback sink taking the generic webhook) gets the news gathered per
// reason — "12 nodes are waiting to reboot: …" — not one message per node into its rate limit.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { setUpWorld } from '../../harness/controller/controller-world.ts';
import { startHttpSink, type HttpSink } from '../../harness/http-sink.ts';

const NODES = 12;

let cluster: Cluster;
let sink: HttpSink;
before(async () => {
  cluster = await startCluster();
  sink = await startHttpSink();
});
after(async () => {
  await sink?.close();
  await cluster?.stop();
});

const hhmm = (date: Date) => `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;

describe('notifications on patch night', () => {
  it('every node held by a closed window at once: the channel gets the news gathered, each node named once', async (t) => {
    // A window that opens twelve hours from now for an hour: closed now, whatever the time of day.
    const now = Date.now();
    const world = await setUpWorld(t, cluster, {
      nodes: NODES,
      required: 'all',
      controllerArgs: [
        '--trigger=node',
        `--start-time=${hhmm(new Date(now + 12 * 3600_000))}`,
        `--end-time=${hhmm(new Date(now + 13 * 3600_000))}`,
        '--time-zone=UTC',
        `--notify-url=generic+${sink.url}/patch-night`,
      ],
    });
    type Body = { message: string; event: { kind: string; node: string; nodes?: string[]; reason?: string } };
    const blocked = () =>
      sink
        .received('/patch-night')
        .map((request) => request.json<Body>()!)
        .filter((body) => body.event.kind === 'blocked');
    const named = () => blocked().flatMap((body) => body.event.nodes ?? [body.event.node]);
    await cluster.waitFor(() => world.nodes.every((node) => named().includes(node)), {
      what: 'every node named in a blocked message',
      timeoutMs: 60_000,
    });
    await world.waitForCycles(2, 'any further cycle that could post again');

    const messages = blocked();
    assert.deepEqual([...named()].sort(), [...world.nodes].sort(), 'each node named exactly once');
    assert.ok(messages.length < NODES, `the news was gathered: ${messages.length} messages for ${NODES} nodes`);
    const gathered = messages.find((body) => (body.event.nodes?.length ?? 1) > 1)!;
    assert.match(gathered.message, /^\d+ nodes are waiting to reboot: maintenance-window: .+ \(.+\)$/);
    for (const node of gathered.event.nodes!.slice(0, 10)) assert.ok(gathered.message.includes(node), `${node} named in the text`);
  });
});
