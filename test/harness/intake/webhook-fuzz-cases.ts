// Seeded webhook requests for the fuzz test: odd node names, floods of unknown nodes, huge payloads,
// wrong types, broken JSON, wrong credentials and content types. Each case says which answers are
// right for it, so the test checks more than "not a 5xx". None may touch a node: the known nodes
// appear only in alerts that change nothing (a non-reboot alert, a resolved one with no request).

import { seededRandom } from '../seeded-random.ts';
import { REASONS } from '../../../src/intake/plan-alerts.ts';

export interface FuzzCase {
  readonly kind: string;
  readonly body: string | Buffer;
  readonly headers: Record<string, string>;
  /** Statuses this case may get; 200 answers are checked further by `check`. */
  readonly statuses: readonly number[];
  readonly check?: (json: unknown) => string | undefined;
}

export interface FuzzWorld {
  readonly token: string;
  readonly known: readonly string[];
  /** A Node that exists but is outside the controller's --node-selector. */
  readonly outside: string;
  readonly maxNodes: number;
  readonly bodyLimit: number;
}

const ODD_NAMES = [
  '.',
  '..',
  '%2F',
  '%2e%2e',
  '%E0%A4%A',
  '%',
  '../..',
  'a/b',
  '/',
  '?',
  '#',
  'Node-1',
  'nœud',
  'узел',
  '节点',
  '🔥',
  'n\u0000',
  'n\r\nX-Injected: 1',
  ' n1',
  'n1 ',
  '-',
  'a..b',
  '[::1]',
  'n1.',
  '\\',
  '\u202e',
];

type Alert = { status: string; labels: Record<string, unknown>; [key: string]: unknown };

export function fuzzCases(seed: number, count: number, world: FuzzWorld): Generator<FuzzCase> {
  const r = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
  const int = (max: number) => Math.floor(r() * max);
  const auth = { 'content-type': 'application/json', authorization: `Bearer ${world.token}` };
  const payload = (alerts: Alert[]) =>
    JSON.stringify({
      version: '4',
      status: 'firing',
      receiver: 'kreboot',
      groupLabels: {},
      commonLabels: {},
      commonAnnotations: {},
      externalURL: 'http://am',
      alerts,
    });
  const alert = (node: unknown, status = 'firing', alertname = 'RebootRequired'): Alert => ({
    status,
    labels: { alertname, node },
    annotations: {},
    fingerprint: `f${int(1e6)}`,
  });
  // Starts with a non-ASCII letter, so it is never a node name by chance.
  const unicode = (length: number) =>
    `é${Array.from({ length }, () => String.fromCodePoint(1 + int(0x2ffff)))
      .join('')
      .replace(/[\uD800-\uDFFF]/g, 'x')}`;
  const unknown = () => `ghost-${int(1e9).toString(36)}`;
  const ignoredAll = (reason: string, expected: number) => (json: unknown) => {
    const body = json as { accepted?: unknown[]; ignored?: { reason: string }[] };
    if (body.accepted?.length) return `accepted ${JSON.stringify(body.accepted)}`;
    const matching = (body.ignored ?? []).filter((i) => i.reason === reason).length;
    return matching === expected
      ? undefined
      : `expected ${expected} ignored with "${reason}", got ${JSON.stringify(body.ignored?.slice(0, 3))}…`;
  };

  const generators: Array<() => FuzzCase> = [
    // Odd names, one per alert, a few per payload.
    () => {
      const names = Array.from({ length: 1 + int(5) }, () => pick(ODD_NAMES));
      return {
        kind: 'odd names',
        body: payload(names.map((n) => alert(n))),
        headers: auth,
        statuses: [200],
        check: ignoredAll(REASONS.notNodeName, names.length),
      };
    },
    // Random unicode names.
    () => ({
      kind: 'unicode name',
      body: payload([alert(unicode(1 + int(40)))]),
      headers: auth,
      statuses: [200],
      check: ignoredAll(REASONS.notNodeName, 1),
    }),
    // A 600 KB name.
    () => ({
      kind: '600 KB name',
      body: payload([alert('n'.repeat(600_000 + int(1000)))]),
      headers: auth,
      statuses: [200],
      check: ignoredAll(REASONS.notNodeName, 1),
    }),
    // Unknown but well-formed names, under the cap: answered from the view.
    () => {
      const names = new Set(Array.from({ length: 1 + int(world.maxNodes - 1) }, unknown));
      return {
        kind: 'unknown nodes under the cap',
        body: payload([...names].map((n) => alert(n))),
        headers: auth,
        statuses: [200],
        check: ignoredAll(REASONS.unknownNode, names.size),
      };
    },
    // A flood over the cap (the 10,000-name, 1 MiB payload of the issue among them).
    () => {
      const names = Array.from({ length: world.maxNodes + 1 + int(9000) }, (_, i) => `g${i}`);
      const body = payload(names.map((n) => ({ status: 'firing', labels: { alertname: 'RebootRequired', node: n } })));
      // 413 either way: over --webhook-max-nodes, or over the body limit.
      return { kind: 'flood over the cap', body, headers: auth, statuses: [413] };
    },
    // The node outside --node-selector, and withdrawals of unknown nodes.
    () => ({
      kind: 'outside the selector',
      body: payload([alert(world.outside), alert(unknown(), 'resolved')]),
      headers: auth,
      statuses: [200],
      check: ignoredAll(REASONS.unknownNode, 2),
    }),
    // Known nodes in alerts that change nothing.
    () => ({
      kind: 'known nodes, no change',
      body: payload([
        alert(pick(world.known), 'firing', pick(['HighLoad', 'KubeletDown', '', 'rebootrequired'])),
        alert(pick(world.known), 'resolved'),
        { status: 'firing', labels: { alertname: 'RebootRequired', instance: `${pick(world.known)}x:9100` } },
      ]),
      headers: auth,
      statuses: [200],
      check: (json) =>
        (json as { accepted: unknown[]; withdrawn: unknown[] }).accepted.length + (json as { withdrawn: unknown[] }).withdrawn.length === 0
          ? undefined
          : `changed something: ${JSON.stringify(json)}`,
    }),
    // Wrong types where strings belong, and wrong shapes.
    () => {
      const bad = pick<unknown>([5, null, true, [], {}, ['n1'], { $ne: 1 }, 1e308, -0]);
      const shapes = [
        payload([alert(bad)]),
        JSON.stringify({ version: 4, alerts: [] }),
        JSON.stringify({ version: '4', alerts: {} }),
        JSON.stringify({ version: '4', alerts: [{ status: 'burning', labels: {} }] }),
        JSON.stringify({ version: '4', alerts: [{ status: 'firing', labels: [] }] }),
        JSON.stringify({
          version: '4',
          alerts: [{ status: 'firing', labels: { alertname: 'RebootRequired', node: 'x' }, annotations: 'no' }],
        }),
        JSON.stringify({ version: '4', truncatedAlerts: -1, alerts: [] }),
        JSON.stringify([]),
        JSON.stringify({ __proto__: { alerts: [] }, version: '4' }),
      ];
      return { kind: 'wrong types', body: pick(shapes), headers: auth, statuses: [400] };
    },
    // Broken JSON and bare values.
    () => ({
      kind: 'broken JSON',
      body: pick([
        '{',
        '{"version":"4","alerts":[',
        'null',
        '"x"',
        '12',
        '\u0000',
        '{"a":1}}',
        `{"version":"4","alerts":[${'['.repeat(5000)}`,
      ]),
      headers: auth,
      statuses: [400],
    }),
    // Over the body limit, announced or not.
    () => ({ kind: 'over the body limit', body: payload([alert('n1'.repeat(world.bodyLimit / 2 + 10))]), headers: auth, statuses: [413] }),
    // Wrong credentials, wrong content type, wrong encoding.
    () => ({
      kind: 'wrong credentials',
      body: payload([alert(pick(world.known))]),
      headers: {
        'content-type': 'application/json',
        authorization: pick(['Bearer nope', 'Basic Og==', '', 'Bearer', `Bearer ${world.token}x`]),
      },
      statuses: [401],
    }),
    () => ({
      kind: 'wrong content type',
      body: payload([alert(pick(world.known))]),
      headers: { ...auth, 'content-type': pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) },
      statuses: [415],
    }),
    () => ({
      kind: 'compressed',
      body: Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0]),
      headers: { ...auth, 'content-encoding': 'gzip' },
      statuses: [415],
    }),
  ];
  // Weights: mostly the cheap cases; the big ones (600 KB, floods, over the limit) a few percent.
  const weights = [20, 12, 1, 6, 1, 8, 12, 12, 10, 1, 8, 5, 4];
  const total = weights.reduce((a, b) => a + b, 0);
  return (function* () {
    for (let i = 0; i < count; i++) {
      let roll = r() * total;
      let index = 0;
      while (roll >= weights[index]!) roll -= weights[index++]!;
      yield generators[index]!();
    }
  })();
}
