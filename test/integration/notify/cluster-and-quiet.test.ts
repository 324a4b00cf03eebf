// Notifications that say which cluster and stay quiet, as received by loopback HTTP sinks: the
// configuration comes from the real loader (`--cluster-name`, `--notify-events`), and the events
// from the controller's own transition announcer, so what is tested is what a rollout sends.
// `blocked` goes out once per reason kind (the gate), not on every change of the firing alerts.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadControllerConfig } from '../../../src/config/controller-config.ts';
import { createControllerMetrics } from '../../../src/controller/observe/metrics.ts';
import { announceTransition } from '../../../src/controller/observe/transitions.ts';
import { createNotifications } from '../../../src/notify/create-notifications.ts';
import type { Notify } from '../../../src/notify/event.ts';
import type { NodeProgress, Phase } from '../../../src/store/node-progress.ts';
import { startHttpSink } from '../../harness/http-sink.ts';
import { testLogger } from '../../harness/memory-log.ts';

/** One node's rollout as the controller records it: [phase, reason]. */
const ROLLOUT: Array<[Phase, string]> = [
  ['waiting', 'prometheus-alerts: 1 active alert: DiskFull'],
  ['waiting', 'prometheus-alerts: 2 active alerts: DiskFull, HighLoad'],
  ['waiting', 'prometheus-alerts: 1 active alert: HighLoad'],
  ['waiting', 'maintenance-window: outside every maintenance window; next opens 2026-12-07T22:00:00Z'],
  ['waiting', 'maintenance-window: outside every maintenance window; next opens 2026-12-08T22:00:00Z'],
  ['queued', 'waiting for a free slot'],
  ['cordoned', 'cordoned; draining'],
  ['draining', 'evicting 3 pods'],
  ['rebooting', 'reboot job handed to the agent'],
  ['verifying', 'boot ID changed'],
  ['done', 'back and uncordoned'],
];

function replay(notify: Notify, node: string): void {
  const sinks = {
    log: pino({ level: 'silent' }),
    events: { record: () => undefined },
    notify,
    metrics: createControllerMetrics(new Registry(), {
      nodes: () => [],
      rollout: () => undefined,
      halt: () => undefined,
      leader: () => true,
    }),
  };
  const v1: V1Node = { metadata: { name: node } };
  let before: NodeProgress | undefined;
  ROLLOUT.forEach(([phase, reason], second) => {
    const after: NodeProgress = {
      phase,
      reason,
      since: new Date(Date.UTC(2026, 11, 6, 12, 0, second)).toISOString(),
      startedAt: '2026-12-06T12:00:00.000Z',
    };
    announceTransition(sinks, v1, before, after);
    before = after;
  });
}

test('--cluster-name names the cluster in every message, --notify-events picks the kinds, blocked is sent once per gate', async (t) => {
  const sink = await startHttpSink();
  t.after(() => sink.close());
  const { log } = testLogger(t, () => JSON.stringify(sink.requests.map((r) => r.body)));
  const loaded = loadControllerConfig(
    [
      '--webhook-auth=none',
      `--notify-url=generic+http://127.0.0.1:${sink.port}/generic`,
      `--notify-url=mattermost://127.0.0.1:${sink.port}/bywsw8zt5jgpte3nm65qjiru6h?disabletls=yes`,
      '--cluster-name=prod-eu',
      '--notify-events=blocked,drain,uncordon',
      '--message-template-uncordon={{cluster}}: %s is back after {{duration}}',
    ],
    {},
  );
  assert.deepEqual(loaded.problems, []);
  const n = createNotifications({ config: loaded.config.notify, log, registry: new Registry(), policy: { maxAttempts: 1 } });
  replay(n.notify, 'worker-1');
  n.notify({ kind: 'halted', node: 'worker-1', reason: 'not chosen: halted is not in --notify-events' });
  assert.equal(await n.drain(10_000), true);
  await n.close();

  const expected = [
    '[prod-eu] Node worker-1 is waiting to reboot: prometheus-alerts: 1 active alert: DiskFull',
    '[prod-eu] Node worker-1 is waiting to reboot: maintenance-window: outside every maintenance window; next opens 2026-12-07T22:00:00Z',
    '[prod-eu] Draining node worker-1',
    'prod-eu: worker-1 is back after 10s',
  ];
  const generic = sink.received('/generic').map((r) => r.json<{ message: string; event: { kind: string; cluster?: string } }>()!);
  assert.deepEqual(
    generic.map((b) => b.message),
    expected,
  );
  assert.deepEqual(
    generic.map((b) => b.event.cluster),
    ['prod-eu', 'prod-eu', 'prod-eu', 'prod-eu'],
  );
  const mattermost = sink.received('/hooks/').map((r) => r.json<{ text: string }>()!.text);
  assert.deepEqual(mattermost, expected);
});

test("without --cluster-name and --notify-events the texts are kured's and every kind is sent; blocked still once per gate", async (t) => {
  const sink = await startHttpSink();
  t.after(() => sink.close());
  const { log } = testLogger(t, () => JSON.stringify(sink.requests.map((r) => r.body)));
  const loaded = loadControllerConfig(['--webhook-auth=none', `--notify-url=generic+http://127.0.0.1:${sink.port}/generic`], {});
  assert.deepEqual(loaded.problems, []);
  const n = createNotifications({ config: loaded.config.notify, log, registry: new Registry(), policy: { maxAttempts: 1 } });
  replay(n.notify, 'worker-2');
  assert.equal(await n.drain(10_000), true);
  await n.close();
  assert.deepEqual(
    sink.received('/generic').map((r) => r.json<{ message: string }>()!.message),
    [
      'Node worker-2 is waiting to reboot: prometheus-alerts: 1 active alert: DiskFull',
      'Node worker-2 is waiting to reboot: maintenance-window: outside every maintenance window; next opens 2026-12-07T22:00:00Z',
      'Draining node worker-2',
      'Rebooting node worker-2',
      'Node worker-2 rebooted & uncordoned successfully!',
    ],
  );
});

test('an unknown --notify-events kind is a flag error listing the valid ones; an empty list is refused', () => {
  const bad = loadControllerConfig(['--webhook-auth=none', '--notify-events=drain,rebooted'], {});
  assert.equal(bad.problems.length, 1, bad.problems.join('\n'));
  assert.match(
    bad.problems[0] ?? '',
    /^--notify-events: "rebooted" is not one of drain, reboot, uncordon, blocked, drain-failed, reboot-failed, halted, resumed$/,
  );
  const empty = loadControllerConfig(['--webhook-auth=none', '--notify-events='], {});
  assert.match(empty.problems.join('\n'), /--notify-events: empty/);
});
