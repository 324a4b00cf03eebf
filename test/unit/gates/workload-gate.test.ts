// The workload gate's verdicts as tables (ADR 0018): which reboots the next node waits for, what
// "back" means (the Ready count before the drain, at most the desired count), the timeout's halt
// and continue, a resume after a halt; the budgets' half with a fake watch; the drain's record.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '@kubernetes/client-node';
import type { BudgetStatus, WorkloadSource, WorkloadStatus } from '../../../src/controller/cluster/workload-view.ts';
import { selectorText } from '../../../src/controller/cluster/workload-view.ts';
import type { ObservedNode } from '../../../src/controller/policy/observed-node.ts';
import { workloadOf } from '../../../src/controller/steps/remember-workloads.ts';
import { disruptionBudgetGate } from '../../../src/gates/disruption-budget-gate.ts';
import type { WorkloadGateSettings } from '../../../src/gates/workload-gate-settings.ts';
import { disruptedBy, workloadsVerdict } from '../../../src/gates/workloads-gate.ts';
import { parseEvicted, rememberWorkloads } from '../../../src/store/evicted-workloads.ts';
import type { NodeProgress } from '../../../src/store/node-progress.ts';

const T0 = Date.parse('2026-12-01T10:00:00Z');
const at = (minutes: number) => new Date(T0 + minutes * 60_000).toISOString();
const WEB = 'ReplicaSet/shop/web-5d8f';
const DB = 'StatefulSet/shop/db';

function node(name: string, progress?: Partial<NodeProgress>, workloads?: Record<string, number | null>): ObservedNode {
  return {
    name,
    ready: true,
    unschedulable: false,
    bootId: 'b',
    rebootRequired: false,
    sentinelCheckedAt: undefined,
    checkRequestedAt: undefined,
    job: undefined,
    jobStatus: undefined,
    request: undefined,
    progress: progress ? ({ reason: '', since: at(0), ...progress } as NodeProgress) : undefined,
    labels: {},
    ...(workloads ? { evicted: { round: progress?.startedAt ?? '', workloads } } : {}),
  };
}

function source(statuses: Record<string, Omit<WorkloadStatus, 'key'>>, synced = true): Pick<WorkloadSource, 'synced' | 'workload'> {
  return { synced: () => synced, workload: (key) => (statuses[key] ? { key, ...statuses[key] } : undefined) };
}
const web = (ready: number, desired = 4, current = true) => ({ desired, ready, current, shownAs: 'web' });
const halt: WorkloadGateSettings = { timeoutMs: 30 * 60_000, onTimeout: 'halt' };
const cont: WorkloadGateSettings = { timeoutMs: 30 * 60_000, onTimeout: 'continue' };
const forever: WorkloadGateSettings = { timeoutMs: 0, onTimeout: 'halt' };

describe('which reboots the next node waits for', () => {
  it('the nodes finished after the newest start; a later start means they were waited for', () => {
    const a = node('a', { phase: 'done', startedAt: at(0), since: at(10) }, { [WEB]: 4 });
    const b = node('b', { phase: 'cordoned', startedAt: at(12), since: at(12) }, undefined);
    assert.deepEqual(
      disruptedBy([a]).map((entry) => entry.node),
      ['a'],
    );
    assert.deepEqual(disruptedBy([a, b]), [], 'b started after a finished');
  });
  it('a failed node given back counts; one that halted the rollout (still out) and a record of another round do not', () => {
    const restored = node('a', { phase: 'failed', startedAt: at(0), since: at(5), retryAt: at(10) }, { [WEB]: 4 });
    const halted = node('b', { phase: 'failed', startedAt: at(1), since: at(6), haltedRollout: true }, { [WEB]: 4 });
    const otherRound = {
      ...node('c', { phase: 'done', startedAt: at(2), since: at(7) }),
      evicted: { round: at(-60), workloads: { [WEB]: 4 } },
    };
    assert.deepEqual(
      disruptedBy([restored, halted, otherRound]).map((entry) => entry.node),
      ['a'],
    );
  });
});

describe('workloads: the verdict', () => {
  const done = node('node-1', { phase: 'done', startedAt: at(0), since: at(10) }, { [WEB]: 4, [DB]: 2 });
  const table: [string, Parameters<typeof workloadsVerdict>[0], RegExp | 'open'][] = [
    [
      'vacuous: no reboot recorded anything',
      { nodes: [node('x')], source: source({}), now: new Date(T0), resumedAt: undefined, settings: halt },
      'open',
    ],
    [
      'back: every workload at its count before the drain',
      {
        nodes: [done],
        source: source({ [WEB]: web(4), [DB]: { ...web(2, 2), shownAs: 'db' } }),
        now: new Date(at(11)),
        resumedAt: undefined,
        settings: halt,
      },
      'open',
    ],
    [
      'a slow Deployment holds: its name and counts',
      {
        nodes: [done],
        source: source({ [WEB]: web(3), [DB]: { ...web(2, 2), shownAs: 'db' } }),
        now: new Date(at(11)),
        resumedAt: undefined,
        settings: halt,
      },
      /^web: 3 of 4 Ready \(evicted from node-1\)$/,
    ],
    [
      'deleted workloads are not waited for',
      { nodes: [done], source: source({}), now: new Date(at(11)), resumedAt: undefined, settings: halt },
      'open',
    ],
    [
      'scaled down meanwhile: waits for the desired count, not the count before',
      { nodes: [done], source: source({ [WEB]: web(2, 2) }), now: new Date(at(11)), resumedAt: undefined, settings: halt },
      'open',
    ],
    [
      'already short before the drain: waits only for what it had (3 of 4)',
      {
        nodes: [node('node-1', { phase: 'done', startedAt: at(0), since: at(10) }, { [WEB]: 3 })],
        source: source({ [WEB]: web(3) }),
        now: new Date(at(11)),
        resumedAt: undefined,
        settings: halt,
      },
      'open',
    ],
    [
      'unknown count before (the watch had not listed): waits for the desired count',
      {
        nodes: [node('node-1', { phase: 'done', startedAt: at(0), since: at(10) }, { [WEB]: null })],
        source: source({ [WEB]: web(3) }),
        now: new Date(at(11)),
        resumedAt: undefined,
        settings: halt,
      },
      /web: 3 of 4 Ready/,
    ],
    [
      'a status its controller has not caught up with is not trusted',
      { nodes: [done], source: source({ [WEB]: web(4, 4, false) }), now: new Date(at(11)), resumedAt: undefined, settings: halt },
      /web: status not yet updated by its controller/,
    ],
    [
      'the watch has not listed yet: blocked, never "go"',
      { nodes: [done], source: source({}, false), now: new Date(at(11)), resumedAt: undefined, settings: halt },
      /has not listed/,
    ],
    [
      'timeout 0 waits for ever',
      { nodes: [done], source: source({ [WEB]: web(3) }), now: new Date(at(10 + 600)), resumedAt: undefined, settings: forever },
      /^web: 3 of 4 Ready/,
    ],
  ];
  for (const [why, input, expected] of table)
    it(why, () => {
      const { verdict } = workloadsVerdict(input);
      if (expected === 'open') assert.equal(verdict.open, true, JSON.stringify(verdict));
      else {
        assert.equal(verdict.open, false);
        if (!verdict.open) {
          assert.equal(verdict.gate, 'workloads');
          assert.match(verdict.reason, expected);
          assert.equal(verdict.halt, undefined, 'no halt before the timeout');
        }
      }
    });

  it('a watch that cannot list (an RBAC refusal) blocks with its error', () => {
    const refused = { ...source({}, false), problem: () => 'replicasets (workload gate): HTTP 403 forbidden' };
    const { verdict } = workloadsVerdict({ nodes: [done], source: refused, now: new Date(at(11)), resumedAt: undefined, settings: halt });
    assert.deepEqual(verdict, {
      open: false,
      gate: 'workloads',
      reason: 'cannot watch the workloads: replicasets (workload gate): HTTP 403 forbidden',
    });
  });
  it('the timeout with halt: blocked, and asks for a halt naming the node and the workload', () => {
    const { verdict } = workloadsVerdict({
      nodes: [done],
      source: source({ [WEB]: web(3) }),
      now: new Date(at(40)),
      resumedAt: undefined,
      settings: halt,
    });
    assert.equal(verdict.open, false);
    if (verdict.open) return;
    assert.match(verdict.reason, /^not back within 30m \(--workload-gate-timeout\): web: 3 of 4 Ready \(evicted from node-1\)$/);
    assert.deepEqual(verdict.halt?.node, 'node-1');
    assert.match(verdict.halt!.reason, /web: 3 of 4 Ready/);
  });
  it('the timeout with continue: open, and says once what it stopped waiting for', () => {
    const answer = workloadsVerdict({
      nodes: [done],
      source: source({ [WEB]: web(3) }),
      now: new Date(at(40)),
      resumedAt: undefined,
      settings: cont,
    });
    assert.equal(answer.verdict.open, true);
    assert.equal(answer.gaveUp.length, 1);
    assert.match(answer.gaveUp[0]!.message, /stopped waiting after 30m .* node-1: web: 3 of 4 Ready; the next node may start/);
  });
  it('a resume after the wait ran out ends it; a resume before the timeout does not', () => {
    const input = { nodes: [done], source: source({ [WEB]: web(3) }), now: new Date(at(45)), settings: halt };
    assert.equal(workloadsVerdict({ ...input, resumedAt: at(42) }).verdict.open, true);
    assert.equal(workloadsVerdict({ ...input, now: new Date(at(20)), resumedAt: at(15) }).verdict.open, false);
  });
  it('names what it waits on, for the watch to wake the cycle', () => {
    const answer = workloadsVerdict({
      nodes: [done],
      source: source({ [WEB]: web(3), [DB]: { ...web(1, 2), shownAs: 'db' } }),
      now: new Date(at(11)),
      resumedAt: undefined,
      settings: halt,
    });
    assert.deepEqual([...answer.waitingOn].sort(), [WEB, DB].sort());
    assert.match((answer.verdict as { reason: string }).reason, /^web: 3 of 4 Ready, db: 1 of 2 Ready \(evicted from node-1\)$/);
  });
});

describe('disruption budgets', () => {
  const pod = (name: string, nodeName: string, extra: Partial<V1Pod['metadata']> = {}): V1Pod => ({
    metadata: {
      name,
      namespace: 'shop',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u', controller: true }],
      ...extra,
    },
    spec: { nodeName, containers: [] },
    status: { phase: 'Running' },
  });
  const budget = (disruptionsAllowed: number, current = true): BudgetStatus => ({
    namespace: 'shop',
    name: 'db-pdb',
    disruptionsAllowed,
    current,
    selector: 'app=db',
    version: '1',
  });

  function gate(budgets: BudgetStatus[], pods: V1Pod[] | Error, settings = halt, resumedAt?: string) {
    const announced: string[] = [];
    let lists = 0;
    const instance = disruptionBudgetGate({
      source: {
        synced: () => true,
        workload: () => undefined,
        budgets: () => budgets,
        podsOf: async () => {
          lists++;
          if (pods instanceof Error) throw pods;
          return pods;
        },
        start: async () => {},
        stop: async () => {},
      },
      nodes: () => [],
      resumedAt: () => resumedAt,
      settings,
      announce: (nodeName, message) => announced.push(`${nodeName}: ${message}`),
      interest: new Set(),
    });
    return { instance, announced, lists: () => lists };
  }

  it('a budget that allows 0 holds the node whose pod it covers, names it, and no other node', async () => {
    const { instance } = gate([budget(0)], [pod('db-0', 'n1'), pod('db-1', 'n2')]);
    const answer = await instance.evaluate({ now: new Date(T0), nodes: ['n1', 'n3'] });
    assert.deepEqual(answer('n1'), { open: false, gate: 'disruption-budget', reason: 'PDB shop/db-pdb allows 0 disruptions (shop/db-0)' });
    assert.equal(answer('n3').open, true);
  });
  it('budgets that allow a disruption cost no call; a status behind its spec holds', async () => {
    const open = gate([budget(1)], [pod('db-0', 'n1')]);
    assert.equal((await open.instance.evaluate({ now: new Date(T0), nodes: ['n1'] }))('n1').open, true);
    assert.equal(open.lists(), 0);
    const stale = gate([budget(1, false)], [pod('db-0', 'n1')]);
    const verdict = (await stale.instance.evaluate({ now: new Date(T0), nodes: ['n1'] }))('n1');
    assert.equal(verdict.open, false);
    assert.equal(verdict.open ? '' : verdict.reason, 'PDB shop/db-pdb: status not yet updated by the disruption controller (shop/db-0)');
  });
  it('pods the drain leaves (a DaemonSet pod, a finished or terminating pod) are not held for', async () => {
    const ds = pod('agent', 'n1', {
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'a', uid: 'u', controller: true }],
    });
    const terminating = pod('db-2', 'n1', { deletionTimestamp: new Date(T0) });
    const { instance } = gate([budget(0)], [ds, terminating]);
    assert.equal((await instance.evaluate({ now: new Date(T0), nodes: ['n1'] }))('n1').open, true);
  });
  it('a pod list that fails blocks every node with the error', async () => {
    const { instance } = gate([budget(0)], new Error('HTTP 500'));
    const verdict = (await instance.evaluate({ now: new Date(T0), nodes: ['n9'] }))('n9');
    assert.equal(verdict.open, false);
    assert.match(verdict.open ? '' : verdict.reason, /cannot list the pods .*HTTP 500/);
  });
  it('the timeout runs from when the budget was first seen holding the node (or the last resume): halt, or continue said once', async () => {
    const halting = gate([budget(0)], [pod('db-0', 'n1')]);
    const early = (await halting.instance.evaluate({ now: new Date(at(0)), nodes: ['n1'] }))('n1');
    assert.equal(early.open ? 'open' : early.halt, undefined);
    const late = (await halting.instance.evaluate({ now: new Date(at(31)), nodes: ['n1'] }))('n1');
    assert.equal(late.open, false);
    assert.match(late.open ? '' : late.reason, /^not allowed within 30m/);
    assert.equal(late.open ? undefined : late.halt?.node, 'n1');

    const resumed = gate([budget(0)], [pod('db-0', 'n1')], halt, at(20));
    await resumed.instance.evaluate({ now: new Date(at(0)), nodes: ['n1'] });
    const afterResume = (await resumed.instance.evaluate({ now: new Date(at(31)), nodes: ['n1'] }))('n1');
    assert.equal(afterResume.open ? undefined : afterResume.halt, undefined, 'the resume at 20m restarted the wait');

    const continuing = gate([budget(0)], [pod('db-0', 'n1')], cont);
    await continuing.instance.evaluate({ now: new Date(at(0)), nodes: ['n1'] });
    assert.equal((await continuing.instance.evaluate({ now: new Date(at(31)), nodes: ['n1'] }))('n1').open, true);
    assert.equal((await continuing.instance.evaluate({ now: new Date(at(32)), nodes: ['n1'] }))('n1').open, true);
    assert.equal(continuing.announced.length, 1);
    assert.match(continuing.announced[0]!, /^n1: stopped waiting after 30m .*PDB shop\/db-pdb allows 0 disruptions/);
  });
});

describe("the drain's record", () => {
  it('records the controllers the gate can read; the first count of a round stays; a new round replaces', () => {
    const owned = (kind: string, name: string, phase = 'Running'): V1Pod => ({
      metadata: {
        namespace: 'shop',
        name: `${name}-x`,
        ownerReferences: [{ apiVersion: 'apps/v1', kind, name, uid: 'u', controller: true }],
      },
      status: { phase },
    });
    assert.equal(workloadOf(owned('ReplicaSet', 'web-5d8f')), 'ReplicaSet/shop/web-5d8f');
    assert.equal(workloadOf(owned('DaemonSet', 'cni')), 'DaemonSet/shop/cni');
    assert.equal(workloadOf(owned('Job', 'backup')), undefined);
    assert.equal(workloadOf(owned('ReplicaSet', 'web', 'Succeeded')), undefined);
    assert.equal(workloadOf({ metadata: { namespace: 'shop', name: 'bare' } }), undefined);

    const first = rememberWorkloads(undefined, 'r1', new Map([[WEB, 4]]));
    assert.deepEqual(first, { round: 'r1', workloads: { [WEB]: 4 } });
    assert.equal(rememberWorkloads(first, 'r1', new Map([[WEB, 3]])), undefined, 'a later pass sees counts its evictions lowered');
    assert.deepEqual(rememberWorkloads(first, 'r1', new Map([[DB, 2]])), { round: 'r1', workloads: { [WEB]: 4, [DB]: 2 } });
    assert.deepEqual(rememberWorkloads(first, 'r2', new Map([[DB, 2]])), { round: 'r2', workloads: { [DB]: 2 } });
    assert.equal(parseEvicted('{"round":1}'), undefined);
    assert.deepEqual(parseEvicted(JSON.stringify(first)), first);
  });
  it('budget selectors in the API form', () => {
    assert.equal(selectorText(undefined), undefined);
    assert.equal(selectorText({}), '');
    assert.equal(
      selectorText({
        matchLabels: { app: 'db' },
        matchExpressions: [
          { key: 'tier', operator: 'In', values: ['a', 'b'] },
          { key: 'x', operator: 'Exists' },
          { key: 'y', operator: 'DoesNotExist' },
          { key: 'z', operator: 'NotIn', values: ['c'] },
        ],
      }),
      'app=db,tier in (a,b),x,!y,z notin (c)',
    );
  });
});
