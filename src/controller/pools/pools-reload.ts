// Follows the pools file (--pools-file) while the controller runs: a ConfigMap volume swaps its
// files when the ConfigMap changes, so the file is looked at on every change in its directory and
// every 10 s besides (a missed event costs at most that). New content is checked as at start —
// shapes, windows, overlaps — and against the cluster as it is: a node the new selectors would
// put in two pools, or a pool removed while it still has nodes out of service or holding a slot,
// refuses the reload. A refused reload changes nothing: the reason is logged (once per content)
// and counted, and the last good pools keep running (docs/pools.md). An empty file is neither: it
// is a write in progress, and waited out.

import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { Counter, type Registry } from 'prom-client';
import type { ControllerConfig } from '../../config/controller-config.ts';
import { parsePoolsFile } from '../../config/pools-file.ts';
import type { Logger } from '../../log/logger.ts';
import { parseLock } from '../../store/lock-record.ts';
import { isOutOfService } from '../../store/node-progress.ts';
import type { DecisionCore } from '../decision-core.ts';
import { conflictReason, createMembership } from './membership.ts';
import { resolvePools, type PoolSpec } from './pool-specs.ts';

const RECHECK_MS = 10_000;
const SETTLE_MS = 200;

export interface PoolsReload {
  /** Looks at the file now; resolves once a change is applied or refused. */
  check(): Promise<void>;
  stop(): void;
}

/** Why these pools cannot replace the running ones on this cluster; empty: they can. */
export function reloadProblems(pools: readonly PoolSpec[], core: Pick<DecisionCore, 'view' | 'pools'>): string[] {
  const problems: string[] = [];
  const members = createMembership(pools);
  const ds = core.view.daemonSet();
  if (pools.length > 1)
    for (const node of core.view.nodes()) {
      const member = members.of(node, ds);
      if (member.pool === undefined) problems.push(`node ${node.metadata?.name}: ${conflictReason(member.conflict)}`);
    }
  const kept = new Set(pools.map((pool) => pool.name));
  for (const runtime of core.pools()) {
    if (kept.has(runtime.spec.name)) continue;
    const out = runtime.reconciler
      .observed()
      .filter((node) => isOutOfService(node.progress))
      .map((node) => node.name);
    const holders = (parseLock(ds?.metadata?.annotations?.[runtime.spec.lockAnnotation])?.holders ?? []).map((holder) => holder.nodeID);
    const busy = [...new Set([...out, ...holders])];
    if (busy.length > 0)
      problems.push(
        `pool "${runtime.spec.name}" is removed but has nodes out of service or holding its slots (${busy.join(', ')}); remove it once they are back`,
      );
  }
  return problems;
}

export function followPoolsFile(options: {
  path: string;
  config: ControllerConfig;
  core: Pick<DecisionCore, 'view' | 'pools' | 'replacePools'>;
  log: Logger;
  registry: Registry;
  recheckMs?: number;
}): PoolsReload {
  const { path, config, core } = options;
  const log = options.log.child({ component: 'pools-file' });
  const reloads = new Counter({
    name: 'kreboot_pools_file_reloads_total',
    help: 'Changes of the pools file (--pools-file): applied, or refused (the last good pools kept; the reason is logged).',
    labelNames: ['result'],
    registers: [options.registry],
  });
  for (const result of ['applied', 'refused']) reloads.inc({ result }, 0);
  const read = () => {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      return `\u0000unreadable: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`;
    }
  };
  // The content last applied or refused, at first the text the running pools were read from at
  // start (config.poolsFileText): a change made while the controller started, before this follows
  // the file, is a change too. It moves only once a change has an outcome: a reload that failed
  // midway (an error, not a refusal) is tried again at the next look.
  let seen = config.poolsFileText ?? read();
  let warnedEmpty = false;
  let running: Promise<void> = Promise.resolve();

  const look = async () => {
    let text = read();
    if (text === seen) return;
    log.debug({ file: path }, 'pools file changed; reading it until it holds still');
    // A file being written (not a ConfigMap's atomic swap) is read again until it holds still.
    for (let tries = 0; tries < 10; tries++) {
      await new Promise((settle) => setTimeout(settle, SETTLE_MS));
      const again = read();
      if (again === text) break;
      text = again;
    }
    if (text === seen) return;
    // An empty file is what an editor or `>` leaves between truncating and writing; applied, it
    // would drop every pool for a moment. Running without pools is said with `pools: []`.
    if (text.trim() === '') {
      if (!warnedEmpty)
        log.warn({ file: path }, 'pools file is empty: keeping the last good pools (write "pools: []" to run without pools)');
      warnedEmpty = true;
      return;
    }
    warnedEmpty = false;
    const refuse = (problems: readonly string[]) => {
      seen = text;
      reloads.inc({ result: 'refused' });
      log.error({ file: path, problems }, 'pools file changed but cannot be used: keeping the last good pools');
    };
    if (text.startsWith('\u0000unreadable: ')) return refuse([`--pools-file: cannot read ${path}: ${text.slice(13)}`]);
    const parsed = parsePoolsFile(text, `--pools-file ${path}`);
    const resolved = resolvePools(parsed.entries, config);
    const problems = [...parsed.problems, ...resolved.problems];
    if (problems.length === 0) problems.push(...reloadProblems(resolved.pools, core));
    if (problems.length > 0) return refuse(problems);
    log.debug({ file: path, pools: resolved.pools.map((pool) => pool.name) }, 'pools file: replacing the running pools');
    await core.replacePools(resolved.pools);
    seen = text;
    reloads.inc({ result: 'applied' });
    for (const notice of resolved.notices) log.warn({ file: path, notice }, 'pools file: notice');
    log.info({ file: path, pools: resolved.pools.map((pool) => pool.name) }, 'pools file reloaded');
  };
  const check = () => {
    running = running
      .then(look)
      .catch((error: unknown) => log.error({ err: error, file: path }, 'pools file reload failed; it is tried again at the next look'));
    return running;
  };

  let watcher: FSWatcher | undefined;
  try {
    // The directory, not the file: a ConfigMap volume replaces the file by swapping a symlink.
    watcher = watch(dirname(path), () => void check());
    watcher.on('error', () => watcher?.close());
    watcher.unref();
  } catch {
    watcher = undefined; // the periodic look still follows the file
  }
  const timer = setInterval(() => void check(), options.recheckMs ?? RECHECK_MS);
  timer.unref();
  // The file may have changed since the start read it; a first look now, not at the first recheck.
  void check();
  return {
    check,
    stop() {
      clearInterval(timer);
      watcher?.close();
    },
  };
}
