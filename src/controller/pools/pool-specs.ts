// The pools the controller runs: the default pool (the top-level flags, the nodes no pool selects,
// kured's lock annotation) and each pool of the pools file, every setting it leaves out inherited
// from the flags. Checked as a whole, every problem at once: windows, zone caps without a zone
// label, selectors that can match no node, and overlaps that are certain before any node exists —
// two selectors where every node matching one matches the other (identical, or one narrower):
// the narrower pool could never own a node. Selectors that merely *may* overlap (`gpu=true` and
// `arch=arm64`) are allowed with a notice; a node that matches both is held and reported when it
// appears (membership.ts), and a controller refuses to start while one exists (docs/pools.md).

import type { ControllerConfig } from '../../config/controller-config.ts';
import { DEFAULT_POOL, poolLockAnnotation, type PoolEntry } from '../../config/pools-file.ts';
import { buildWindows, type WindowConfig } from '../../gates/build-windows.ts';
import { checkLabelSelector } from '../../kube/label-selector.ts';
import { implies, mayOverlap, satisfiable } from './selector-logic.ts';

export interface PoolSpec {
  readonly name: string;
  /** Empty for the default pool: it has the nodes no other pool selects. */
  readonly nodeSelector: string;
  readonly concurrency: number;
  readonly topology: ControllerConfig['topology'];
  readonly trigger: ControllerConfig['trigger'];
  readonly window: WindowConfig;
  /** Whether the window is the pool's own (else the flags' window gate is shared). */
  readonly ownWindow: boolean;
  /** The annotation on the lock DaemonSet holding this pool's slots. */
  readonly lockAnnotation: string;
  /** The agent's reboot method for this pool's nodes; undefined: the agent's own flags. */
  readonly rebootMethod?: 'command' | 'signal';
}

export type PoolDefaults = Pick<ControllerConfig, 'concurrency' | 'topology' | 'trigger' | 'window' | 'lock'>;

export function defaultPool(config: PoolDefaults): PoolSpec {
  return {
    name: DEFAULT_POOL,
    nodeSelector: '',
    concurrency: config.concurrency,
    topology: config.topology,
    trigger: config.trigger,
    window: config.window,
    ownWindow: false,
    lockAnnotation: config.lock.annotation,
  };
}

const WINDOW_KEYS = ['rebootDays', 'startTime', 'endTime', 'timeZone', 'maintenanceWindows'] as const;

/** The pools to run, the default first; every problem at once, and notices for possible overlaps. */
export function resolvePools(
  entries: readonly PoolEntry[],
  config: PoolDefaults,
): { pools: PoolSpec[]; problems: string[]; notices: string[] } {
  const problems: string[] = [];
  const notices: string[] = [];
  const pools: PoolSpec[] = [defaultPool(config)];
  for (const entry of entries) {
    const where = `pool "${entry.name}"`;
    const selectorProblem = checkLabelSelector(entry.nodeSelector);
    if (selectorProblem) problems.push(`${where}: nodeSelector "${entry.nodeSelector}": ${selectorProblem}`);
    else if (!satisfiable(entry.nodeSelector)) problems.push(`${where}: nodeSelector "${entry.nodeSelector}" can match no node`);
    const window: WindowConfig = {
      rebootDays: entry.rebootDays ?? config.window.rebootDays,
      startTime: entry.startTime ?? config.window.startTime,
      endTime: entry.endTime ?? config.window.endTime,
      timeZone: entry.timeZone ?? config.window.timeZone,
      maintenanceWindows: entry.maintenanceWindows ?? config.window.maintenanceWindows,
    };
    const ownWindow = WINDOW_KEYS.some((key) => entry[key] !== undefined);
    if (ownWindow) problems.push(...buildWindows(window).problems.map((problem) => `${where}: ${problem.replace(/^--/, 'window ')}`));
    const topology = {
      ...config.topology,
      maxUnavailablePerZone: entry.maxUnavailablePerZone ?? config.topology.maxUnavailablePerZone,
      zoneByZone: entry.zoneByZone ?? config.topology.zoneByZone,
    };
    if ((topology.maxUnavailablePerZone > 0 || topology.zoneByZone) && topology.zoneLabel.trim() === '')
      problems.push(`${where}: maxUnavailablePerZone and zoneByZone need --zone-label`);
    if (config.lock.annotation === poolLockAnnotation(entry.name))
      problems.push(`${where}: its lock annotation ${poolLockAnnotation(entry.name)} is --lock-annotation; rename the pool`);
    pools.push({
      name: entry.name,
      nodeSelector: entry.nodeSelector,
      concurrency: entry.concurrency ?? config.concurrency,
      topology,
      trigger: entry.trigger ?? config.trigger,
      window,
      ownWindow,
      lockAnnotation: poolLockAnnotation(entry.name),
      ...(entry.rebootMethod ? { rebootMethod: entry.rebootMethod } : {}),
    });
  }
  const named = pools.slice(1).filter((pool) => !checkLabelSelector(pool.nodeSelector) && satisfiable(pool.nodeSelector));
  for (let i = 0; i < named.length; i++)
    for (let j = i + 1; j < named.length; j++) {
      const a = named[i]!;
      const b = named[j]!;
      const aInB = implies(a.nodeSelector, b.nodeSelector);
      const bInA = implies(b.nodeSelector, a.nodeSelector);
      if (aInB || bInA) {
        const [narrow, wide] = aInB ? [a, b] : [b, a];
        problems.push(
          aInB && bInA
            ? `pools "${a.name}" and "${b.name}": the same nodes match both selectors ("${a.nodeSelector}", "${b.nodeSelector}"); a node belongs to one pool`
            : `pools "${narrow.name}" and "${wide.name}": every node matching "${narrow.nodeSelector}" also matches "${wide.nodeSelector}"; make them exclusive (a node belongs to one pool)`,
        );
      } else if (mayOverlap(a.nodeSelector, b.nodeSelector))
        notices.push(
          `pools "${a.name}" and "${b.name}": a node could match both ("${a.nodeSelector}", "${b.nodeSelector}"); such a node is held and reported`,
        );
    }
  return { pools, problems, notices };
}
