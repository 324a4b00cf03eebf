// How long notify() holds the caller: 10 000 events into 8 destinations whose server hangs (the
// worst case: every queue is full and drops its oldest). Run: node bench/notify-enqueue.ts
// Loopback only, bounded loop.

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createNotifications } from '../src/notify/create-notifications.ts';

const server = createServer(() => {
  /* never answers */
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as AddressInfo;
const host = `127.0.0.1:${port}`;
const urls = [
  `ntfy://${host}/bench?scheme=http`,
  `mattermost://${host}/token?disabletls=yes`,
  `generic+http://${host}/a`,
  `generic+http://${host}/b`,
  'slack://hook:T01ABCDEF9-B02GHIJKL8-abcdefghijklmnopqrstuvwx@webhook',
  'discord://token@693853386302554172',
  'telegram://110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram?chats=@kreboot_ops',
  'slack://xoxb:123456789012-1234567890123-4mt0t4l1YL3g1T5L4cK70k3N@C0123456789',
];
const overrides = Object.fromEntries(
  ['https://hooks.slack.com', 'https://slack.com', 'https://discord.com', 'https://api.telegram.org'].map((o) => [o, `http://${host}`]),
);
const notifications = createNotifications({
  config: {
    urls,
    slackHookUrl: '',
    slackUsername: 'kured',
    slackChannel: '',
    templates: { drain: 'Draining node %s', reboot: 'Rebooting node %s', uncordon: 'Node %s rebooted & uncordoned successfully!' },
  },
  log: pino({ level: 'error' }),
  registry: new Registry(),
  endpointOverrides: overrides,
  timeoutMs: 60_000,
});

const events = 10_000;
const samples: number[] = [];
let slowest = { at: -1, us: 0 };
const start = process.hrtime.bigint();
for (let i = 0; i < events; i++) {
  const t0 = process.hrtime.bigint();
  notifications.notify({ kind: i % 2 ? 'drain' : 'blocked', node: `worker-${i}`, reason: 'outside the maintenance window' });
  const us = Number(process.hrtime.bigint() - t0) / 1000;
  samples.push(us);
  if (us > slowest.us) slowest = { at: i, us };
}
const totalMs = Number(process.hrtime.bigint() - start) / 1e6;
samples.sort((a, b) => a - b);
const pct = (p: number) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))]!.toFixed(1);
process.stdout.write(
  `notify() x ${events} into ${urls.length} destinations (server hanging): total ${totalMs.toFixed(1)} ms, per call p50 ${pct(50)} µs, p99 ${pct(99)} µs, max ${pct(100)} µs (call #${slowest.at})\n`,
);
await notifications.close(10);
server.closeAllConnections();
server.close();
