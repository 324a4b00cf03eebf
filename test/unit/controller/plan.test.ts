// Table tests of the planning step: ordering, slot accounting (nodes out of service count whatever
// the lock says), which nodes are shown to the gates, the trigger mode and the derived halt.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LockRecord } from '../../../src/store/lock-record.ts';
import type { RolloutRecord } from '../../../src/store/rollout-record.ts';
import { NO_FREE_SLOT } from '../../../src/store/node-progress.ts';
import { planCycle, rolloutHalt, slotLedger, withTrigger, zoneFullAgainst } from '../../../src/controller/policy/plan.ts';
import { NOW, ago, node } from './fixtures.ts';

const SLOTS = { concurrency: 2, ttlMs: 0 };
const ours = (nodeID: string, created = ago(60)) => ({ nodeID, created, unschedulable: false, ours: true });
const request = (secondsAgo: number) => ({ at: ago(secondsAgo), kind: 'alert' as const });
const rebooting = { phase: 'rebooting' as const, since: ago(30), reason: '' };
const halted = { phase: 'failed' as const, since: ago(30), reason: 'did not come back', haltedRollout: true, final: true };

describe('planCycle()', () => {
  const rows: {
    name: string;
    nodes: ReturnType<typeof node>[];
    lock: LockRecord | undefined;
    settings?: typeof SLOTS;
    free: number;
    order: string[];
    candidates: string[];
  }[] = [
    {
      name: 'candidates oldest request first, name breaking ties; out-of-service nodes decided first',
      nodes: [
        node({ name: 'c', request: request(10) }),
        node({ name: 'b', request: request(50) }),
        node({ name: 'a', request: request(10) }),
        node({ name: 'x', progress: rebooting }),
        node({ name: 'idle' }),
      ],
      lock: { holders: [ours('x')] },
      free: 1,
      order: ['x', 'idle', 'b', 'a', 'c'],
      candidates: ['b', 'a', 'c'],
    },
    {
      name: 'a node kept out by a halt counts against the concurrency even with no holder in the lock',
      nodes: [node({ name: 'h', progress: halted }), node({ name: 'r', progress: rebooting }), node({ name: 'w', request: request(5) })],
      lock: { holders: [] },
      free: 0,
      order: ['h', 'r', 'w'],
      candidates: ['w'],
    },
    {
      name: 'a halted node with a newer operator request is not a candidate (it keeps its slot)',
      nodes: [node({ name: 'h', progress: halted, request: { at: ago(1), kind: 'api' } })],
      lock: { holders: [ours('h')] },
      free: 1,
      order: ['h'],
      candidates: [],
    },
    {
      name: 'an expired holder of a node out of service still counts (TTL frees forgotten slots only)',
      nodes: [node({ name: 'r', progress: rebooting }), node({ name: 'w', request: request(5) })],
      lock: { holders: [ours('r', ago(7200)), ours('gone', ago(7200))] },
      settings: { concurrency: 2, ttlMs: 3600_000 },
      free: 1,
      order: ['r', 'w'],
      candidates: ['w'],
    },
    {
      name: 'an unreadable lock frees no slot',
      nodes: [node({ name: 'w', request: request(5) })],
      lock: undefined,
      free: 0,
      order: ['w'],
      candidates: ['w'],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const plan = planCycle(row.nodes, row.lock, row.settings ?? SLOTS, NOW);
      assert.equal(plan.free, row.free);
      assert.deepEqual(
        plan.order.map((entry) => entry.name),
        row.order,
      );
      assert.deepEqual(
        plan.candidates.map((entry) => entry.name),
        row.candidates,
      );
    });
  }
});

describe('slotLedger()', () => {
  it('offers a start while a slot is free or already held, and counts takes and frees', () => {
    const ledger = slotLedger({ free: 1, outByZone: new Map(), activeZone: undefined }, SLOTS);
    const a = node({ name: 'a' });
    assert.equal(ledger.offer(a, false).ok, true);
    ledger.took(a);
    assert.deepEqual(ledger.offer(a, false), { ok: false, reason: NO_FREE_SLOT });
    assert.equal(ledger.offer(a, true).ok, true, 'a node holding a slot may always start');
    ledger.freed(a);
    assert.equal(ledger.offer(a, false).ok, true);
  });
});

describe('topology', () => {
  const ZONES = { zoneLabel: 'zone', maxUnavailablePerZone: 1, zoneByZone: false, nodeOrder: [] };
  const inZone = (name: string, zone: string, extra: Partial<ReturnType<typeof node>> = {}) =>
    node({ name, labels: { zone }, request: request(60), ...extra });

  it('--max-unavailable-per-zone: a zone with a node out takes no other; other zones go in parallel', () => {
    const nodes = [
      inZone('a1', 'a', { request: undefined, progress: rebooting }),
      inZone('a2', 'a'),
      inZone('b1', 'b'),
      inZone('c1', 'c'),
      inZone('b2', 'b'),
    ];
    const settings = { concurrency: 3, ttlMs: 0 };
    const plan = planCycle(nodes, { holders: [ours('a1')] }, settings, NOW, ZONES);
    const ledger = slotLedger(plan, settings, ZONES);
    const started: string[] = [];
    for (const candidate of plan.candidates) {
      const offer = ledger.offer(candidate, false);
      if (offer.ok) {
        ledger.took(candidate);
        started.push(candidate.name);
      } else if (candidate.name === 'a2') assert.match(offer.reason, /zone a has its --max-unavailable-per-zone=1 nodes out of service/);
    }
    assert.deepEqual(started, ['b1', 'c1'], 'one per zone, zone a already busy, concurrency 3 reached');
  });

  it('--max-unavailable-per-zone: a node holding a slot before its cordon landed counts in its zone', () => {
    // a1 took its slot in an earlier cycle, but its cordon was lost (a conflict, a restart): it is a
    // candidate again, holding the slot. a2's request is older, so it is offered first.
    const nodes = [inZone('a1', 'a', { request: request(30) }), inZone('a2', 'a', { request: request(90) }), inZone('b1', 'b')];
    const settings = { concurrency: 3, ttlMs: 0 };
    const lock = { holders: [ours('a1')] };
    const plan = planCycle(nodes, lock, settings, NOW, ZONES);
    const ledger = slotLedger(plan, settings, ZONES);
    const started: string[] = [];
    for (const candidate of plan.candidates) {
      const holdsSlot = candidate.name === 'a1';
      if (!ledger.offer(candidate, holdsSlot).ok) continue;
      if (!holdsSlot) ledger.took(candidate);
      started.push(candidate.name);
    }
    assert.deepEqual(started.sort(), ['a1', 'b1'], 'zone a has one node going (a1, already holding its slot)');
  });

  it('--max-unavailable-per-zone: a leftover slot given back does not free the zone of a node still out', () => {
    // a0 is rebooting; a9 holds a slot left over from a withdrawn request and gives it back first.
    const nodes = [
      inZone('a0', 'a', { request: undefined, progress: rebooting }),
      inZone('a9', 'a', { request: undefined }),
      inZone('a2', 'a'),
    ];
    const settings = { concurrency: 3, ttlMs: 0 };
    const plan = planCycle(nodes, { holders: [ours('a0'), ours('a9')] }, settings, NOW, ZONES);
    const ledger = slotLedger(plan, settings, ZONES);
    ledger.freed(nodes[1]!);
    assert.equal(ledger.offer(plan.candidates[0]!, false).ok, false, 'a0 is still out in zone a');
  });

  it('the zone is checked again against the lock as written: a holder that appeared since counts', () => {
    const nodes = [inZone('a1', 'a'), inZone('a2', 'a'), inZone('b1', 'b')];
    const byName = (name: string) => nodes.find((entry) => entry.name === name);
    assert.equal(zoneFullAgainst(nodes[0]!, [], new Set(), byName, ZONES), undefined);
    assert.equal(zoneFullAgainst(nodes[0]!, ['a1'], new Set(), byName, ZONES), undefined, 'its own holder does not count');
    assert.equal(zoneFullAgainst(nodes[0]!, ['b1'], new Set(), byName, ZONES), undefined, 'another zone does not count');
    assert.match(zoneFullAgainst(nodes[0]!, ['a2'], new Set(), byName, ZONES) ?? '', /zone a has its --max-unavailable-per-zone=1/);
    assert.match(zoneFullAgainst(nodes[0]!, [], new Set(['a2']), byName, ZONES) ?? '', /zone a/, 'a node out without a holder counts');
    assert.equal(zoneFullAgainst(nodes[0]!, ['gone'], new Set(), byName, ZONES), undefined, 'a node not in the view has no zone');
  });

  it('--node-order: selector order first (control planes last), then the oldest request', () => {
    const topology = { ...ZONES, nodeOrder: ['!node-role.kubernetes.io/control-plane'] };
    const nodes = [
      node({ name: 'cp', labels: { 'node-role.kubernetes.io/control-plane': '' }, request: request(900) }),
      node({ name: 'w2', request: request(10) }),
      node({ name: 'w1', request: request(20) }),
    ];
    assert.deepEqual(
      planCycle(nodes, { holders: [] }, SLOTS, NOW, topology).candidates.map((entry) => entry.name),
      ['w1', 'w2', 'cp'],
    );
  });

  it('--zone-by-zone: the zone started most recently is finished before another starts', () => {
    const topology = { ...ZONES, maxUnavailablePerZone: 0, zoneByZone: true };
    const done = { phase: 'done' as const, since: ago(5), reason: '', startedAt: ago(40) };
    // b1 was done last (zone b is the current zone); b2 still waits, a1's request is older.
    const nodes = [
      inZone('a1', 'a', { request: request(600) }),
      inZone('b1', 'b', { request: undefined, progress: done }),
      inZone('b2', 'b'),
    ];
    const settings = { concurrency: 3, ttlMs: 0 };
    const plan = planCycle(nodes, { holders: [] }, settings, NOW, topology);
    assert.equal(plan.activeZone, 'b');
    assert.deepEqual(
      plan.candidates.map((entry) => entry.name),
      ['b2', 'a1'],
    );
    const ledger = slotLedger(plan, settings, topology);
    assert.equal(ledger.offer(plan.candidates[0]!, false).ok, true);
    assert.deepEqual(ledger.offer(plan.candidates[1]!, false), { ok: false, reason: 'zone by zone: zone b goes first' });
  });
});

describe('withTrigger()', () => {
  it('--trigger=node turns an agent report into a request; --trigger=alert does not', () => {
    const reported = node({ rebootRequired: true, sentinelCheckedAt: ago(5) });
    assert.deepEqual(withTrigger(reported, 'node').request, { at: ago(5), kind: 'node' });
    assert.equal(withTrigger(reported, 'alert').request, undefined);
    assert.equal(withTrigger(node({ rebootRequired: false, sentinelCheckedAt: ago(5) }), 'node').request, undefined);
  });
  it('--max-node-age: a boot older than the maximum is a request of kind age; a recorded request comes first', () => {
    const old = node({ name: 'n1', bootTime: ago(2 * 3600), rebootRequired: false });
    assert.equal(withTrigger(old, 'alert', NOW, 3_600_000).request?.kind, 'age');
    assert.equal(withTrigger(old, 'alert', NOW, 0).request, undefined, 'off');
    assert.equal(withTrigger(node({ bootTime: ago(60) }), 'alert', NOW, 3_600_000).request, undefined, 'young');
    assert.equal(withTrigger({ ...old, request: { at: ago(5), kind: 'api' } }, 'alert', NOW, 3_600_000).request?.kind, 'api');
  });
});

describe('rolloutHalt()', () => {
  const record = (resumedAt?: string): RolloutRecord => ({
    lock: { holders: [] },
    paused: undefined,
    halted: undefined,
    resumed: resumedAt ? { at: resumedAt } : undefined,
    resourceVersion: '1',
  });
  it('derives the halt from the nodes: the earliest node that did not come back', () => {
    const halt = rolloutHalt(
      [node({ name: 'b', progress: { ...halted, since: ago(10) } }), node({ name: 'a', progress: halted })],
      record(),
    );
    assert.equal(halt?.node, 'a');
    assert.equal(halt?.at, ago(30));
  });
  it('a resume after the failure lifts it; a resume before it does not', () => {
    assert.equal(rolloutHalt([node({ name: 'a', progress: halted })], record(ago(5))), undefined);
    assert.equal(rolloutHalt([node({ name: 'a', progress: halted })], record(ago(60)))?.node, 'a');
  });
  it('a halt written on the DaemonSet by an older version still counts until resumed', () => {
    const legacy = { ...record(), halted: { at: ago(100), node: 'old', reason: 'x' } };
    assert.equal(rolloutHalt([], legacy)?.node, 'old');
  });
});
