// Watches the test's nodes and checks the safety invariants at every transition the API server
// reports, not only at the end: never more nodes out of service than the concurrency (in flight,
// or failed and kept cordoned because it did not come back), and never a node cordoned without a
// kreboot record saying why (unless an admin cordoned it before).

import { CoreV1Api, ListWatch, Watch, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { CONTROLLER } from '../../../src/store/keys.ts';

const IN_FLIGHT = new Set(['cordoned', 'draining', 'rebooting', 'verifying']);

export interface FlightMonitor {
  readonly maxInFlight: () => number;
  /** The most zones that had a node out of service at the same moment (with `zones`). */
  readonly maxZonesAtOnce: () => number;
  /** The order nodes were first cordoned by kreboot in. */
  readonly started: () => readonly string[];
  readonly violations: () => readonly string[];
  /** Every phase change seen, in order: "node phase reason". */
  readonly transitions: () => readonly string[];
  stop(): Promise<void>;
}

function phaseOf(node: V1Node): { phase: string; reason: string; haltedRollout?: boolean } | undefined {
  const text = node.metadata?.annotations?.[CONTROLLER.state];
  if (!text) return undefined;
  try {
    return JSON.parse(text) as { phase: string; reason: string; haltedRollout?: boolean };
  } catch {
    return undefined;
  }
}

export async function startFlightMonitor(
  kc: KubeConfig,
  options: { labelSelector: string; preCordoned?: readonly string[]; concurrency?: number; zones?: { label: string; maxPerZone: number } },
): Promise<FlightMonitor> {
  const core = kc.makeApiClient(CoreV1Api);
  const phases = new Map<string, string>();
  const out = new Map<string, boolean>();
  const zoneOf = new Map<string, string>();
  const started: string[] = [];
  let maxZones = 0;
  const violations: string[] = [];
  const transitions: string[] = [];
  let max = 0;
  const informer = new ListWatch<V1Node>(
    '/api/v1/nodes',
    new Watch(kc),
    () => core.listNode({ labelSelector: options.labelSelector }),
    false,
    options.labelSelector,
  );
  const check = (node: V1Node) => {
    const name = node.metadata?.name ?? '';
    const state = phaseOf(node);
    if (state && phases.get(name) !== `${state.phase}|${state.reason}`) {
      phases.set(name, `${state.phase}|${state.reason}`);
      transitions.push(`${name} ${state.phase} ${state.reason}`);
    }
    const cordoned = node.spec?.unschedulable === true;
    const krebootCordoned = cordoned && !options.preCordoned?.includes(name) && state?.phase === 'failed';
    out.set(
      name,
      state !== undefined && (IN_FLIGHT.has(state.phase) || (state.phase === 'failed' && state.haltedRollout === true) || krebootCordoned),
    );
    const outOfService = [...out.entries()].filter(([, value]) => value).map(([key]) => key);
    max = Math.max(max, outOfService.length);
    if (state?.phase === 'cordoned' && !started.includes(name)) started.push(name);
    if (options.zones) {
      zoneOf.set(name, node.metadata?.labels?.[options.zones.label] ?? '');
      const perZone = new Map<string, string[]>();
      for (const each of outOfService) perZone.set(zoneOf.get(each) ?? '', [...(perZone.get(zoneOf.get(each) ?? '') ?? []), each]);
      maxZones = Math.max(maxZones, perZone.size);
      for (const [zone, members] of perZone) {
        if (members.length > options.zones.maxPerZone)
          violations.push(
            `zone ${zone} has ${members.length} nodes out of service (${members.join(', ')}), at most ${options.zones.maxPerZone} allowed`,
          );
      }
    }
    if (options.concurrency !== undefined && outOfService.length > options.concurrency) {
      violations.push(`${outOfService.length} nodes out of service (${outOfService.join(', ')}) with concurrency ${options.concurrency}`);
    }
    if (cordoned && !options.preCordoned?.includes(name) && !(state && (IN_FLIGHT.has(state.phase) || state.phase === 'failed'))) {
      violations.push(`${name} is cordoned without a kreboot record (state ${JSON.stringify(state)})`);
    }
  };
  informer.on('add', check);
  informer.on('update', check);
  // A deleted Node (a node-repair controller replacing it) is no longer out of service by kreboot.
  informer.on('delete', (node) => out.delete(node.metadata?.name ?? ''));
  let stopped = false;
  informer.on('error', () => {
    if (!stopped) setTimeout(() => void informer.start(), 500);
  });
  await informer.start();
  return {
    maxInFlight: () => max,
    maxZonesAtOnce: () => maxZones,
    started: () => started,
    violations: () => violations,
    transitions: () => transitions,
    async stop() {
      stopped = true;
      await informer.stop();
    },
  };
}
