// A status as the controller would serve it mid-rollout, for the page, CLI and route tests.

import type { Status } from '../../../src/controller/status/status.ts';

export const AT = new Date('2026-11-26T12:00:00.000Z');
export const ago = (seconds: number) => new Date(AT.getTime() - seconds * 1000).toISOString();

export function sampleStatus(overrides: Partial<Status> = {}): Status {
  const base: Omit<Status, 'queueLength' | 'nodesTotal'> = {
    leader: true,
    identity: 'kreboot-controller-0',
    concurrency: 1,
    paused: null,
    halted: null,
    lockHolders: [{ node: 'node-1', kreboot: true, since: ago(40) }],
    inFlight: ['node-1'],
    queue: ['node-2', 'node-3'],
    nodes: [
      {
        name: 'node-1',
        phase: 'rebooting',
        reason: 'reboot job handed to the agent',
        since: ago(20),
        startedAt: ago(40),
        request: { at: ago(60), kind: 'alert', alertname: 'RebootRequired' },
        rebootRequired: true,
        ready: false,
        unschedulable: true,
        attempts: 1,
      },
      {
        name: 'node-2',
        phase: 'waiting',
        reason: 'prometheus-alerts: 1 active alert: <b>DiskFull</b>',
        since: ago(30),
        request: { at: ago(50), kind: 'alert' },
        rebootRequired: true,
        ready: true,
        unschedulable: false,
        attempts: undefined,
        gate: { gate: 'prometheus-alerts', detail: '1 active alert: <b>DiskFull</b>', alerts: ['<b>DiskFull</b>'] },
      },
      {
        name: 'node-3',
        phase: 'queued',
        reason: 'waiting for a free slot',
        since: ago(30),
        request: { at: ago(45), kind: 'alert' },
        rebootRequired: true,
        ready: true,
        unschedulable: false,
        attempts: undefined,
      },
    ],
    notifications: [
      { service: 'slack', target: 'hooks.slack.com/…', queued: 0, lastError: undefined },
      { service: 'ntfy', target: 'ntfy.example/ops', queued: 2, lastError: 'HTTP 503 from ntfy' },
    ],
    progress: { done: 0, inFlight: 1, queued: 1, waiting: 1, failed: 0 },
    estimate: null,
    timeline: [
      {
        at: ago(20),
        node: 'node-1',
        from: 'draining',
        to: 'rebooting',
        reason: 'reboot job handed to the agent',
        spentMs: 12_000,
        failed: false,
      },
      {
        at: ago(90),
        node: 'node-0',
        from: 'rebooting',
        to: 'failed',
        reason: 'node did not come back',
        spentMs: 60_000,
        rebootMs: 75_000,
        failed: true,
      },
    ],
    ...overrides,
  };
  return { ...base, queueLength: overrides.queueLength ?? base.queue.length, nodesTotal: overrides.nodesTotal ?? base.nodes.length };
}
