// Assertions shared by the end-to-end tests and the numbers they report: the phase order of one
// node's reboot, one node at a time, the chat messages in order, and per-node timings.

import assert from 'node:assert/strict';
import type { Scenario } from './scenario.ts';

const ORDER = ['queued', 'waiting', 'cordoned', 'draining', 'rebooting', 'verifying', 'done'];

/** The phases the status API showed for `node` went forward only, through rebooting to done. */
export function assertPhasesInOrder(scenario: Scenario, node: string): void {
  const phases = scenario.progress.phases(node).filter((p) => ORDER.includes(p));
  const ranks = phases.map((p) => ORDER.indexOf(p));
  // Before the rollout reaches it a node may go queued ↔ waiting; from cordoned on it only moves forward.
  const started = ranks.findIndex((r) => r >= ORDER.indexOf('cordoned'));
  const forward = ranks.slice(started);
  assert.ok(
    started !== -1 && forward.every((r, i) => i === 0 || r > forward[i - 1]!),
    `${node} phases out of order: ${phases.join(' → ')}`,
  );
  assert.ok(phases.includes('rebooting') && phases.at(-1) === 'done', `${node} phases: ${phases.join(' → ')}`);
}

/** When the status API first showed `node` cordoned or further (polling may miss a short "cordoned"). */
export function startedAt(scenario: Scenario, node: string): number {
  return (
    scenario.progress.transitions.find((t) => t.node === node && ['cordoned', 'draining', 'rebooting'].includes(t.phase))?.at.getTime() ??
    Infinity
  );
}

/** Nodes in the order they were cordoned; each was done before the next one left its queue. */
export function assertOneAtATime(scenario: Scenario, nodes: readonly string[]): string[] {
  const started = (node: string) => startedAt(scenario, node);
  const order = [...nodes].sort((a, b) => started(a) - started(b));
  for (let i = 1; i < order.length; i++) {
    const doneBefore = scenario.progress.firstAt(order[i - 1]!, 'done')!.getTime();
    assert.ok(doneBefore <= started(order[i]!), `${order[i]} started before ${order[i - 1]} was done`);
  }
  assert.ok(scenario.progress.maxInFlight() <= 1, `status API showed ${scenario.progress.maxInFlight()} nodes in flight`);
  return order;
}

/** kured's three default messages per node, nodes one after the other. */
export function expectedMessages(order: readonly string[]): string[] {
  return order.flatMap((node) => [`Draining node ${node}`, `Rebooting node ${node}`, `Node ${node} rebooted & uncordoned successfully!`]);
}

/** The drain/reboot/uncordon messages the chat sink received (other kinds, like "waiting", left out). */
export function lifecycleMessages(scenario: Scenario): string[] {
  return scenario.messages().filter((m) => /^(Draining node |Rebooting node |Node \S+ rebooted & uncordoned)/.test(m));
}

export interface NodeTiming {
  readonly node: string;
  /** Sentinel file created → the status API shows the node cordoned (or later). */
  readonly sentinelToCordonMs: number;
  /** Cordoned → done (drain, reboot, verification, uncordon). */
  readonly cordonToDoneMs: number;
}

export function timings(scenario: Scenario, nodes: readonly string[], sentinelAt: Date): NodeTiming[] {
  return nodes.map((node) => {
    const cordon = scenario.progress.transitions.find(
      (t) => t.node === node && ['cordoned', 'draining', 'rebooting'].includes(t.phase),
    )!.at;
    const done = scenario.progress.firstAt(node, 'done')!;
    return { node, sentinelToCordonMs: cordon.getTime() - sentinelAt.getTime(), cordonToDoneMs: done.getTime() - cordon.getTime() };
  });
}
