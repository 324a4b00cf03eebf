// The series the people on call use: kreboot_node_rebooting{node} is 1 exactly while kreboot has
// the node in flight; the decision-cycle and whole-reboot histograms; both reboot results present
// before any reboot.

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { Registry } from 'prom-client';
import type { V1Node } from '@kubernetes/client-node';
import { createControllerMetrics } from '../../../src/controller/observe/metrics.ts';
import { announceTransition } from '../../../src/controller/observe/transitions.ts';
import type { ObservedNode } from '../../../src/controller/policy/observed-node.ts';
import { createLogger } from '../../../src/log/logger.ts';
import { ago, node } from '../controller/fixtures.ts';

it('kreboot_node_rebooting is 1 for nodes in flight and 0 for the other nodes kreboot tracks', async () => {
  const registry = new Registry();
  let nodes: ObservedNode[] = [
    node({ name: 'a', request: { at: ago(60), kind: 'alert' }, progress: { phase: 'draining', since: ago(10), reason: '' } }),
    node({ name: 'b', request: { at: ago(60), kind: 'alert' }, progress: { phase: 'waiting', since: ago(10), reason: '' } }),
    node({ name: 'untouched' }),
  ];
  createControllerMetrics(registry, { nodes: () => nodes, rollout: () => undefined, halt: () => undefined, leader: () => true });
  const text = await registry.metrics();
  assert.match(text, /kreboot_node_rebooting\{node="a"\} 1/);
  assert.match(text, /kreboot_node_rebooting\{node="b"\} 0/);
  assert.doesNotMatch(text, /node="untouched"/);
  assert.match(text, /kreboot_reboots_total\{result="failed"\} 0/);
  nodes = [];
  assert.doesNotMatch(await registry.metrics(), /kreboot_node_rebooting\{/, 'a node gone from the view is gone from the series');
});

it('a finished reboot is observed whole, cordon to done; a cycle is timed', async () => {
  const registry = new Registry();
  const metrics = createControllerMetrics(registry, {
    nodes: () => [],
    rollout: () => undefined,
    halt: () => undefined,
    leader: () => true,
  });
  const sinks = {
    log: createLogger({ format: 'json', level: 'silent', name: 't' }),
    events: { record: () => undefined },
    notify: () => undefined,
    metrics,
  };
  const v1: V1Node = { metadata: { name: 'a' } };
  announceTransition(
    sinks,
    v1,
    { phase: 'verifying', since: ago(30), reason: '', startedAt: ago(95) },
    { phase: 'done', since: ago(0), reason: 'back', startedAt: ago(95) },
  );
  const end = metrics.cycleDuration.startTimer();
  end();
  const text = await registry.metrics();
  assert.match(text, /kreboot_reboot_duration_seconds_sum\{result="succeeded"\} 95/);
  assert.match(text, /kreboot_decision_cycle_duration_seconds_count 1/);
});

it('kreboot_nodes_waiting counts the waiting nodes by what holds them; kreboot_build_info names the version', async () => {
  const registry = new Registry();
  const request = { at: ago(60), kind: 'alert' as const };
  const waiting = (name: string, reason: string) => node({ name, request, progress: { phase: 'waiting', since: ago(10), reason } });
  const queued = (name: string, reason: string) => node({ name, request, progress: { phase: 'queued', since: ago(10), reason } });
  let nodes: ObservedNode[] = [
    waiting('a', 'maintenance-window: closed; opens at 2026-12-06T22:00:00.000Z'),
    waiting('b', 'maintenance-window: closed; opens at 2026-12-06T22:00:00.000Z'),
    waiting('c', 'prometheus-alerts: 1 active alert: KubeNodeNotReady'),
    queued('d', 'waiting for a free slot'),
    queued('e', 'zone a has its --max-unavailable-per-zone=1 nodes out of service'),
    node({ name: 'f', request }),
    node({ name: 'out', request, progress: { phase: 'rebooting', since: ago(10), reason: '' } }),
    node({ name: 'idle' }),
  ];
  createControllerMetrics(registry, { nodes: () => nodes, rollout: () => undefined, halt: () => undefined, leader: () => true });
  const text = await registry.metrics();
  assert.match(text, /^kreboot_nodes_waiting\{reason="maintenance-window"\} 2$/m);
  assert.match(text, /^kreboot_nodes_waiting\{reason="prometheus-alerts"\} 1$/m);
  assert.match(text, /^kreboot_nodes_waiting\{reason="concurrency"\} 1$/m);
  assert.match(text, /^kreboot_nodes_waiting\{reason="zone"\} 1$/m);
  assert.match(text, /^kreboot_nodes_waiting\{reason="queued"\} 1$/m, 'a request with no record yet');
  assert.equal(text.match(/^kreboot_nodes_waiting\{/gm)?.length, 5, 'nodes out of service or idle do not wait');
  assert.match(text, /^kreboot_build_info\{version="0\.1\.0",nodejs="v\d+\.\d+\.\d+"\} 1$/m);
  nodes = [];
  assert.doesNotMatch(await registry.metrics(), /^kreboot_nodes_waiting\{/m, 'no stale series once nobody waits');
});
