// Quiet maintenance against the real Alertmanager 0.25: the node silencer's silences silence the
// node-down alerts of the rebooting node and nothing else, are bounded, are found again after a
// "crash" (no duplicates, no leak), and after expiry nothing stays silenced. Alerts are pushed to
// Alertmanager's API v2 as Prometheus would; what is silenced is read back from GET /api/v2/alerts.

import assert from 'node:assert/strict';
import { after, afterEach, before, test } from 'node:test';
import { pino } from 'pino';
import { startMonitoring, type Monitoring } from '../../harness/monitoring.ts';
import { printOnFailure } from '../../harness/on-failure.ts';
import { waitFor } from '../../harness/wait-for.ts';
import { createAlertmanagerClient, type AlertmanagerClient } from '../../../src/alertmanager/alertmanager-client.ts';
import { createNodeSilencer, type NodeSilencer } from '../../../src/alertmanager/node-silencer.ts';
import { DEFAULT_SILENCE_MATCHERS, parseMatcherSets } from '../../../src/alertmanager/silence-matchers.ts';
import { recordedSilences, silencesAnnotation } from '../../../src/store/silence-record.ts';

const AM_CONFIG = `
route: { receiver: none, group_wait: 1s, group_interval: 1s, repeat_interval: 1h }
receivers: [ { name: none } ]
`;
const A = 'node-a.example.internal';
const B = 'node-b.example.internal';

// What a reboot of node A raises, what it must not hide (node B; a node whose name only starts
// with A's; A's other alerts), keyed by a short name.
const ALERTS: Record<string, Record<string, string>> = {
  aNotReady: { alertname: 'KubeNodeNotReady', node: A, severity: 'warning' },
  aUnreachable: { alertname: 'KubeNodeUnreachable', node: A, severity: 'warning' },
  aInstanceDown: { alertname: 'InstanceDown', instance: `${A}:9100`, job: 'node' },
  aDiskFull: { alertname: 'NodeFilesystemAlmostFull', node: A, instance: `${A}:9100` },
  bNotReady: { alertname: 'KubeNodeNotReady', node: B, severity: 'warning' },
  bInstanceDown: { alertname: 'InstanceDown', instance: `${B}:9100`, job: 'node' },
  longerName: { alertname: 'InstanceDown', instance: `${A}x:9100`, job: 'node' },
  dotAsAnyChar: { alertname: 'InstanceDown', instance: `${A.replace('.', 'X')}:9100`, job: 'node' },
};

let monitoring: Monitoring;
let client: AlertmanagerClient;
let silencer: NodeSilencer;

before(async () => {
  monitoring = await startMonitoring({ alertmanagerConfig: AM_CONFIG });
  client = createAlertmanagerClient({
    url: new URL(monitoring.alertmanagerUrl),
    bearerTokenFile: '',
    username: '',
    passwordFile: '',
    caFile: '',
    timeoutMs: 5000,
  }).client;
  const { sets, problems } = parseMatcherSets(DEFAULT_SILENCE_MATCHERS, '--silence-matchers');
  assert.deepEqual(problems, []);
  silencer = createNodeSilencer({ client, sets, log: pino({ level: 'silent' }) });
  await pushAlerts();
});
after(async () => {
  await monitoring?.stop();
});
afterEach(async (t) => {
  await printOnFailure(
    t,
    async () =>
      `${monitoring.logs()}\n--- silences\n${JSON.stringify(await client.silences(), null, 1)}\n--- alerts\n${JSON.stringify(await monitoring.alertmanagerAlerts(), null, 1)}`,
  );
});

/** Firing for an hour, as Prometheus posts them (Alertmanager's POST /api/v2/alerts). */
async function pushAlerts(): Promise<void> {
  const now = Date.now();
  const body = Object.values(ALERTS).map((labels) => ({
    labels,
    startsAt: new Date(now).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
    generatorURL: 'http://prometheus.test/graph',
  }));
  const response = await fetch(`${monitoring.alertmanagerUrl}/api/v2/alerts`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.text());
  await waitFor(async () => (await monitoring.alertmanagerAlerts()).length === Object.keys(ALERTS).length, {
    what: 'every pushed alert in Alertmanager',
  });
}

/** Alert key → the silences that silence it now. */
async function silencedBy(): Promise<Record<string, string[]>> {
  const alerts = await monitoring.alertmanagerAlerts();
  const result: Record<string, string[]> = {};
  for (const [key, labels] of Object.entries(ALERTS)) {
    const found = alerts.find(
      (a) => Object.entries(labels).every(([k, v]) => a.labels[k] === v) && Object.keys(a.labels).length === Object.keys(labels).length,
    );
    assert.ok(found, `alert ${key} is in Alertmanager`);
    result[key] = [...found.status.silencedBy].sort();
  }
  return result;
}

async function liveKrebootSilences() {
  return (await client.silences()).filter((s) => s.createdBy === 'kreboot' && s.state === 'active');
}

test('the silences for node A silence its node-down alerts only, and end by themselves at `until`', async () => {
  const until = new Date(Date.now() + 10 * 60_000);
  const ids = await silencer.silence(A, until, 'kernel update');
  assert.equal(ids.length, 2, 'one silence per default matcher set');
  const [nodeSilence, instanceSilence] = ids as [string, string];
  const state = await waitFor(
    async () => {
      const now = await silencedBy();
      return now.aNotReady!.length > 0 && now.aInstanceDown!.length > 0 ? now : undefined;
    },
    { what: "node A's alerts silenced" },
  );
  assert.deepEqual(state, {
    aNotReady: [nodeSilence],
    aUnreachable: [nodeSilence],
    aInstanceDown: [instanceSilence],
    aDiskFull: [],
    bNotReady: [],
    bInstanceDown: [],
    longerName: [],
    dotAsAnyChar: [],
  });
  const live = await liveKrebootSilences();
  assert.deepEqual(live.map((s) => s.id).sort(), [...ids].sort());
  for (const silence of live) {
    assert.equal(Date.parse(silence.endsAt), until.getTime(), 'bounded by until');
    assert.match(silence.comment, new RegExp(`node ${A.replaceAll('.', '\\.')} is being drained and rebooted \\(kernel update\\)`));
  }
});

test('after a crash: silencing again extends the same silences, and expiring by node finds unrecorded ones', async () => {
  const before = (await liveKrebootSilences()).map((s) => s.id).sort();
  assert.equal(before.length, 2, 'left by the previous test');
  // The controller died before recording the IDs and silences again with a later end.
  const later = new Date(Date.now() + 20 * 60_000);
  const again = await silencer.silence(A, later, 'kernel update');
  const live = await liveKrebootSilences();
  assert.equal(live.length, 2, 'no duplicate silences');
  assert.deepEqual(live.map((s) => s.id).sort(), [...again].sort());
  for (const silence of live) assert.equal(Date.parse(silence.endsAt), later.getTime(), 'extended to the new end');

  // Two controllers raced (or an old version left one): a duplicate is expired, one stays per set.
  const [nodeSet] = live.filter((s) => s.matchers.some((m) => m.name === 'node'));
  await client.createSilence({
    matchers: nodeSet!.matchers,
    startsAt: new Date(),
    endsAt: later,
    createdBy: 'kreboot',
    comment: 'duplicate',
  });
  assert.equal((await liveKrebootSilences()).length, 3);
  const deduplicated = await silencer.silence(A, later, 'kernel update');
  assert.deepEqual((await liveKrebootSilences()).map((s) => s.id).sort(), [...deduplicated].sort());
  assert.equal(deduplicated.length, 2);

  // The record on the Node round-trips; an unreadable record reads as empty.
  assert.deepEqual(recordedSilences({ 'kreboot.dev/silences': silencesAnnotation(deduplicated)['kreboot.dev/silences']! }), deduplicated);
  assert.deepEqual(silencesAnnotation([]), { 'kreboot.dev/silences': null });
  assert.deepEqual(recordedSilences({ 'kreboot.dev/silences': 'not json' }), []);

  // Done, with the record lost: expire by node still ends them all.
  await silencer.expire(A, []);
  assert.deepEqual(await liveKrebootSilences(), []);
  const state = await waitFor(
    async () => {
      const now = await silencedBy();
      return Object.values(now).every((ids) => ids.length === 0) ? now : undefined;
    },
    { what: 'nothing silenced after expiry' },
  );
  assert.ok(state);
});

test("expiring recorded IDs: done, and again (already expired) is no error; node B's silence is untouched", async () => {
  const ids = await silencer.silence(A, new Date(Date.now() + 10 * 60_000), 'maintenance');
  const other = await silencer.silence(B, new Date(Date.now() + 10 * 60_000), 'maintenance');
  await waitFor(async () => (await silencedBy()).bNotReady!.length > 0, { what: 'node B silenced' });
  await silencer.expire(A, ids);
  await silencer.expire(A, ids);
  const state = await silencedBy();
  assert.deepEqual(state.aNotReady, []);
  assert.deepEqual(state.aInstanceDown, []);
  assert.deepEqual(state.bNotReady, [other[0]]);
  assert.deepEqual(state.bInstanceDown, [other[1]]);
  await silencer.expire(B, other);
  assert.deepEqual(await liveKrebootSilences(), []);
});

test('Alertmanager unreachable: silence and expire fail with a readable error; an end in the past is refused', async () => {
  const down = createNodeSilencer({
    client: createAlertmanagerClient({
      url: new URL('http://127.0.0.1:1'),
      bearerTokenFile: '',
      username: '',
      passwordFile: '',
      caFile: '',
      timeoutMs: 1000,
    }).client,
    sets: parseMatcherSets(DEFAULT_SILENCE_MATCHERS, '--silence-matchers').sets,
    log: pino({ level: 'silent' }),
  });
  await assert.rejects(
    down.silence(A, new Date(Date.now() + 60_000), 'x'),
    /Alertmanager http:\/\/127\.0\.0\.1:1\/ unreachable: .*ECONNREFUSED/,
  );
  await assert.rejects(
    down.expire(A, ['some-id']),
    /cannot expire the silences for node node-a\.example\.internal: Alertmanager .* unreachable/,
  );
  await assert.rejects(silencer.silence(A, new Date(Date.now() - 1000), 'x'), /is not in the future/);
  assert.deepEqual(await liveKrebootSilences(), []);
});

test("the lookup reads this node's silences only: many other silences do not grow what kreboot reads (issue 26)", async () => {
  // What a long rollout leaves in Alertmanager (kept 120 h after they end): kreboot's silences for
  // many other nodes, plus other people's. Created straight through the API, as kreboot would.
  const others = 150;
  for (let i = 0; i < others; i++) {
    const node = `other-${i}.example.internal`;
    await client.createSilence({
      matchers: [
        { name: 'alertname', value: 'KubeNodeNotReady|KubeNodeUnreachable|KubeNodeReadinessFlapping', isRegex: true, isEqual: true },
        { name: 'node', value: node, isRegex: false, isEqual: true },
      ],
      startsAt: new Date(),
      endsAt: new Date(Date.now() + 3_600_000),
      createdBy: i % 2 === 0 ? 'kreboot' : 'someone',
      comment: 'another node',
    });
  }
  const answers: string[][] = [];
  const spy: AlertmanagerClient = {
    ...client,
    async silences(...args: Parameters<AlertmanagerClient['silences']>) {
      const answer = await client.silences(...args);
      answers.push(answer.map((s) => JSON.stringify(s.matchers)));
      return answer;
    },
  };
  const { sets } = parseMatcherSets(DEFAULT_SILENCE_MATCHERS, '--silence-matchers');
  const watched = createNodeSilencer({ client: spy, sets, log: pino({ level: 'silent' }) });
  const ids = await watched.silence(A, new Date(Date.now() + 10 * 60_000), 'filter');
  await watched.expire(A, ids);
  assert.ok(answers.length > 0, 'the silencer looked its silences up');
  const foreign = answers.flat().filter((matchers) => !matchers.includes(A.replaceAll('.', '\\\\.')) && !matchers.includes(A));
  assert.deepEqual(foreign, [], 'every silence read names node A');
  assert.ok(
    answers.every((answer) => answer.length < others / 10),
    `answers of ${answers.map((a) => a.length).join(', ')} silences`,
  );
  assert.deepEqual(await liveKrebootSilences().then((live) => live.filter((s) => s.comment !== 'another node')), []);
});
