// The real controller's --log-format=text output is kured's logrus logfmt, every line parsed by a
// strict logfmt parser, with kured's texts for the steps of a reboot.
// The real controller's --log-format=json output answers the log queries kured users wrote for
// kured's logrus JSON: `jq 'select(.level=="info")'`, `select(.level=="warning")`, RFC 3339
// `time`, the message in `msg`. The controller reboots one node with an unsupported notification
// URL and a malformed Slack URL configured: each must be a start-up warning (the URL redacted), a
// counted failure and an item of the status page, never an exit (kured warned and kept rebooting).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startCluster, type Cluster } from '../../harness/cluster.ts';
import { parseLogfmt } from '../../harness/logfmt.ts';
import { setUpWorld, waitForAllDone } from '../../harness/controller/controller-world.ts';

/** A Slack URL whose last token part is too short for Slack: malformed, for a scheme kreboot speaks. */
const MALFORMED_SLACK = 'slack://hook:T01ABCDEF9-B02GHIJKL8-Zq9Sh0rtS3cr3t@webhook';

let cluster: Cluster;
before(async () => {
  cluster = await startCluster();
});
after(async () => {
  await cluster?.stop();
});

/** Runs jq over the controller's log, one compact JSON object per result. */
function jq(filter: string, logPath: string): Array<Record<string, unknown>> {
  const out = execFileSync('jq', ['-c', filter, logPath], { encoding: 'utf8' });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test("kured's log queries find the controller's lines during a reboot", async (t) => {
  const world = await setUpWorld(t, cluster, {
    nodes: 1,
    required: 'all',
    controllerArgs: [
      '--trigger=node',
      '--drain-grace-period=0',
      '--notify-url=xmpp://kreboot@example.com/?toaddresses=ops@example.com',
      `--notify-url=${MALFORMED_SLACK}`,
    ],
  });
  const status = await world.controller.status();
  const [node = ''] = world.nodes;
  await waitForAllDone(cluster, world, world.nodes);
  const metrics = await (await fetch(`${world.controller.url}/metrics`)).text();
  const logPath = world.controller.proc.logPath;

  // Every line is one JSON event with kured's field names.
  const lines = readFileSync(logPath, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('{'));
  assert.ok(lines.length > 0);
  for (const line of lines) {
    const event = JSON.parse(line) as Record<string, unknown>;
    assert.ok(['trace', 'debug', 'info', 'warning', 'error', 'fatal'].includes(String(event.level)), line);
    assert.match(String(event.time), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, line);
    assert.equal(typeof event.msg, 'string', line);
  }

  const info = jq('select(.level=="info")', logPath);
  assert.ok(
    info.some((e) => e.msg === 'controller started'),
    'the start is found at level "info"',
  );
  assert.ok(
    jq(`select(.level=="info" and .node=="${node}")`, logPath).length > 0,
    `the rebooted node's steps are found by node name\n${info.map((e) => e.msg).join('\n')}`,
  );
  const warnings = jq('select(.level=="warning")', logPath);
  assert.ok(
    warnings.some(
      (e) =>
        e.msg === 'notification URL of an unsupported service: its messages will fail' &&
        String(e.problem).includes('unsupported service "xmpp"'),
    ),
    JSON.stringify(warnings),
  );
  assert.ok(
    warnings.some(
      (e) =>
        e.msg === 'notification URL cannot be used: its messages will fail' &&
        /^--notify-url #2 \(slack:\/\/…\): slack: the token is not in a form Slack issues/.test(String(e.problem)),
    ),
    JSON.stringify(warnings),
  );
  assert.ok(!readFileSync(logPath, 'utf8').includes('ops@example.com'), 'the URL itself is not logged');
  assert.ok(!readFileSync(logPath, 'utf8').includes('Zq9Sh0rtS3cr3t'), 'the malformed URL is not logged');
  // The status page lists both destinations as failing, with the problem and without the URL.
  const slack = status.notifications.find((q) => q.service === 'slack');
  assert.match(slack?.lastError ?? '', /^--notify-url #2 \(slack:\/\/…\): slack: the token/, JSON.stringify(status.notifications));
  assert.ok(!JSON.stringify(status.notifications).includes('Zq9Sh0rtS3cr3t'));
  const page = await (await fetch(`${world.controller.url}/status/fragment`)).text();
  assert.match(page, /<td>slack<\/td><td>[^<]*<\/td><td>failing<\/td>/);
  assert.match(metrics, /kreboot_notification_unusable_urls 2/);
  assert.match(metrics, /kreboot_notifications_total\{service="slack",result="failed"\} [1-9]/);
  // Time filters written for RFC 3339 keep working: nothing logged is from before the test began.
  assert.equal(jq(`select(.time < "${new Date(Date.now() - 3_600_000).toISOString()}")`, logPath).length, 0);
  // The unsupported URL's messages were counted as failed while the node rebooted.
  assert.match(metrics, /kreboot_notifications_total\{service="xmpp",result="failed"\} [1-9]/);
});

test("--log-format=text is kured's logrus logfmt: every line parses, carries time, level and msg, and kured's texts are there", async (t) => {
  const world = await setUpWorld(t, cluster, {
    nodes: 1,
    required: 'all',
    controllerArgs: ['--trigger=node', '--drain-grace-period=0', '--log-format=text'],
  });
  const [node = ''] = world.nodes;
  await waitForAllDone(cluster, world, world.nodes);
  const lines = readFileSync(world.controller.proc.logPath, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  assert.ok(lines.length > 0);
  const events = lines.map((line) => parseLogfmt(line));
  for (const [index, event] of events.entries()) {
    assert.deepEqual([...event.keys()].slice(0, 3), ['time', 'level', 'msg'], lines[index]);
    assert.match(event.get('time') ?? '', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, lines[index]);
    assert.ok(['trace', 'debug', 'info', 'warning', 'error', 'fatal'].includes(event.get('level') ?? ''), lines[index]);
  }
  const messages = events.map((e) => e.get('msg'));
  // What an operator greps a kured log for, in the order of a reboot.
  const wanted = [
    'Acquired reboot lock',
    `Draining node ${node}`,
    `Triggering reboot for node ${node}`,
    `Uncordoning node ${node}`,
    'Releasing lock',
  ];
  const positions = wanted.map((text) => messages.indexOf(text));
  assert.ok(
    positions.every((p, i) => p >= 0 && (i === 0 || p > positions[i - 1]!)),
    `kured's texts in order: ${JSON.stringify(positions)}\n${messages.join('\n')}`,
  );
  assert.equal(events.find((e) => e.get('msg') === `Draining node ${node}`)?.get('node'), node);
  assert.ok(events.some((e) => e.get('msg') === 'controller started' && e.get('level') === 'info'));
});
