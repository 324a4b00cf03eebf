// One test's world for the controller: a namespace with the lock DaemonSet, labelled KWOK nodes,
// test agents on them, a flight monitor, and the real controller process, with diagnostics on
// failure (controller log, node records, Events, component logs).

import type { TestContext } from 'node:test';
import type { V1Node } from '@kubernetes/client-node';
import type { Cluster } from '../cluster.ts';
import { waitForCycles } from './decision-cycles.ts';
import { printOnFailure } from '../on-failure.ts';
import { MERGE_PATCH } from '../../../src/kube/patch.ts';
import { startControllerProcess, type ControllerProcess } from './controller-process.ts';
import { startFlightMonitor, type FlightMonitor } from './flight-monitor.ts';
import { startTestAgents, type Behaviour, type TestAgents } from '../agent/fake-agents.ts';

export const LOCK_DS = 'kreboot-agent';

export interface World {
  readonly namespace: string;
  readonly nodes: string[];
  readonly selector: string;
  readonly agents: TestAgents;
  readonly monitor: FlightMonitor;
  controller: ControllerProcess;
  readonly controllers: ControllerProcess[];
  startController(extraArgs?: readonly string[], name?: string): Promise<ControllerProcess>;
  node(name: string): Promise<V1Node>;
  state(name: string): Promise<{ phase: string; reason: string; attempts?: number } | undefined>;
  /**
   * For "nothing happened" checks: waits until the controller has run `cycles` (≥ 2) more decision
   * cycles, waking it by a change it watches but no decision reads (a test annotation on the lock
   * DaemonSet), so each cycle is a fresh chance to act on the state the test set up.
   */
  waitForCycles(cycles?: number, what?: string): Promise<number>;
}

export async function setUpWorld(
  t: TestContext,
  cluster: Cluster,
  options: {
    nodes: number;
    required?: 'all' | readonly number[];
    behaviour?: Record<number, Behaviour>;
    preCordoned?: readonly number[];
    controllerArgs?: readonly string[];
    startController?: boolean;
    rebootMs?: number;
    firstCheckMs?: number;
    /** Labels per node index (zones, roles), set before the controller starts. */
    nodeLabels?: Record<number, Record<string, string>>;
    zones?: { label: string; maxPerZone: number };
  },
): Promise<World> {
  const namespace = await cluster.newNamespace('ctl');
  const selector = `kreboot-test=${namespace}`;
  const nodes = await cluster.createNodes(options.nodes, { labels: { 'kreboot-test': namespace } });
  await cluster.createDaemonSet(namespace, LOCK_DS, { tolerations: [{ operator: 'Exists' }] });
  for (const index of options.preCordoned ?? []) await cluster.setUnschedulable(nodes[index]!, true);
  for (const [index, labels] of Object.entries(options.nodeLabels ?? {})) {
    await cluster.core.patchNode({ name: nodes[Number(index)]!, body: { metadata: { labels } } }, MERGE_PATCH);
  }
  const required = options.required === 'all' ? nodes : (options.required ?? []).map((index) => nodes[index]!);
  const behaviour = Object.fromEntries(Object.entries(options.behaviour ?? {}).map(([index, value]) => [nodes[Number(index)]!, value]));
  const agents = await startTestAgents(cluster.kc, nodes, {
    required,
    behaviour,
    labelSelector: selector,
    ...(options.rebootMs ? { rebootMs: options.rebootMs } : {}),
    ...(options.firstCheckMs ? { firstCheckMs: options.firstCheckMs } : {}),
  });
  const concurrencyArg = (options.controllerArgs ?? []).find((arg) => arg.startsWith('--concurrency='));
  const concurrency = concurrencyArg ? Number(concurrencyArg.split('=')[1]) : 1;
  const monitor = await startFlightMonitor(cluster.kc, {
    labelSelector: selector,
    preCordoned: (options.preCordoned ?? []).map((index) => nodes[index]!),
    concurrency,
    ...(options.zones ? { zones: options.zones } : {}),
  });
  const controllers: ControllerProcess[] = [];

  const world: World = {
    namespace,
    nodes,
    selector,
    agents,
    monitor,
    controller: undefined as unknown as ControllerProcess,
    controllers,
    async startController(extraArgs = options.controllerArgs ?? [], name) {
      const controller = await startControllerProcess({
        kubeconfigPath: cluster.kubeconfigPath,
        namespace,
        dsName: LOCK_DS,
        nodeSelector: selector,
        args: extraArgs,
        ...(name ? { name } : {}),
      });
      controllers.push(controller);
      world.controller = controller;
      return controller;
    },
    node: (name) => cluster.core.readNode({ name }),
    async state(name) {
      const text = (await cluster.core.readNode({ name })).metadata?.annotations?.['kreboot.dev/state'];
      return text ? JSON.parse(text) : undefined;
    },
    waitForCycles(cycles = 2, what) {
      let wakes = 0;
      const wake = () =>
        cluster.apps.patchNamespacedDaemonSet(
          { namespace, name: LOCK_DS, body: { metadata: { annotations: { 'test.kreboot.dev/wake': String(++wakes) } } } },
          MERGE_PATCH,
        );
      return waitForCycles(world.controller, cycles, { wake, ...(what ? { what } : {}) });
    },
  };
  t.after(async () => {
    await printOnFailure(t, async () => {
      const records = await Promise.all(
        nodes.map(async (name) => {
          // A test may delete a node (a node-repair controller replacing it): say so, keep the rest.
          const node = await cluster.core.readNode({ name }).catch(() => undefined);
          if (!node) return `${name} (no such Node)`;
          const annotations = Object.fromEntries(
            Object.entries(node.metadata?.annotations ?? {}).filter(([key]) => key.startsWith('kreboot.dev/')),
          );
          return `${name} unschedulable=${node.spec?.unschedulable === true} ${JSON.stringify(annotations)}`;
        }),
      );
      const logs = controllers.map((controller) => `--- ${controller.proc.name} ---\n${controller.proc.tail(60)}`).join('\n');
      return [
        `transitions:\n${monitor.transitions().join('\n')}`,
        `nodes:\n${records.join('\n')}`,
        logs,
        await cluster.dumpLogs({ namespaces: [namespace, 'default'], print: false }),
      ].join('\n\n');
    });
    for (const controller of controllers) await controller.stop();
    await agents.stop();
    await monitor.stop();
  });
  if (options.startController !== false) await world.startController();
  return world;
}

/** Waits until every node has finished (phase done, schedulable unless pre-cordoned, new boot ID). */
export async function waitForAllDone(cluster: Cluster, world: World, nodes: readonly string[], timeoutMs = 120_000): Promise<void> {
  await cluster.waitFor(
    async () => {
      for (const name of nodes) {
        const state = await world.state(name);
        if (state?.phase !== 'done') return false;
      }
      return true;
    },
    { timeoutMs, intervalMs: 250, what: `nodes ${nodes.join(', ')} done` },
  );
}

/**
 * The dry-run plan once the workload gate's watches have listed: until then that gate holds every
 * node with "has not listed them yet" (honestly), which on a loaded machine can outlast the queue
 * filling up.
 */
export async function readPlanOnceListed<T extends { held: readonly { reason: string }[] }>(cluster: Cluster, world: World): Promise<T> {
  return cluster.waitFor(
    async () => {
      const plan = (await (await fetch(`${world.controller.url}/api/v1/plan`)).json()) as T;
      return plan.held.some((entry) => entry.reason.includes('has not listed')) ? undefined : plan;
    },
    { what: 'a plan with the workload watches listed' },
  );
}
