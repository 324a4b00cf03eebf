// The pools file (--pools-file): several node pools in one install, each a label selector with its
// own limits, window, trigger and reboot method (docs/pools.md). YAML or JSON, read by both roles:
// the controller takes the selectors, limits, windows and triggers; the agent only the reboot
// method of the pool a job names. This module checks shapes and types, every problem at once;
// what needs the rest of the controller's configuration (windows, overlaps) is checked in
// src/controller/pools/pool-specs.ts.

import { readFileSync, statSync } from 'node:fs';
import { load } from 'js-yaml';
import { PREFIX } from '../store/keys.ts';

export interface PoolEntry {
  readonly name: string;
  readonly nodeSelector: string;
  readonly concurrency?: number;
  readonly maxUnavailablePerZone?: number;
  readonly zoneByZone?: boolean;
  readonly trigger?: 'alert' | 'node';
  readonly rebootDays?: readonly string[];
  readonly startTime?: string;
  readonly endTime?: string;
  readonly timeZone?: string;
  readonly maintenanceWindows?: readonly string[];
  readonly rebootMethod?: 'command' | 'signal';
  readonly rebootCommand?: string;
  readonly rebootSignal?: number;
}

/** The default pool's name: the nodes no pool selects, under the top-level flags. */
export const DEFAULT_POOL = 'default';
/** The annotation on the lock DaemonSet holding a pool's slots; the default pool keeps kured's (--lock-annotation). */
export function poolLockAnnotation(name: string): string {
  return `${PREFIX}lock.${name}`;
}

/** A pool name is a DNS label short enough to sit in an annotation key (kreboot.dev/lock.NAME). */
const POOL_NAME = /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/;
/** A pools file is a page of configuration, not a data set. */
const MAX_FILE_BYTES = 1024 * 1024;

const KEYS: Record<keyof PoolEntry, 'string' | 'int' | 'bool' | 'list'> = {
  name: 'string',
  nodeSelector: 'string',
  concurrency: 'int',
  maxUnavailablePerZone: 'int',
  zoneByZone: 'bool',
  trigger: 'string',
  rebootDays: 'list',
  startTime: 'string',
  endTime: 'string',
  timeZone: 'string',
  maintenanceWindows: 'list',
  rebootMethod: 'string',
  rebootCommand: 'string',
  rebootSignal: 'int',
};

const RANGES: Partial<Record<keyof PoolEntry, [number, number]>> = {
  concurrency: [1, 1000],
  maxUnavailablePerZone: [0, 1000],
  rebootSignal: [1, 64],
};
const CHOICES: Partial<Record<keyof PoolEntry, readonly string[]>> = { trigger: ['alert', 'node'], rebootMethod: ['command', 'signal'] };

function typed(kind: string, value: unknown): unknown {
  switch (kind) {
    case 'string':
      return typeof value === 'string' ? value : undefined;
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
    case 'bool':
      return typeof value === 'boolean' ? value : undefined;
    default:
      if (typeof value === 'string') return value.split(',').map((item) => item.trim());
      return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
  }
}

function readEntry(raw: unknown, where: string, problems: string[]): PoolEntry | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`${where}: must be a mapping with name and nodeSelector`);
    return undefined;
  }
  const entry: Record<string, unknown> = {};
  const before = problems.length;
  for (const [key, value] of Object.entries(raw)) {
    const kind = KEYS[key as keyof PoolEntry];
    if (!kind) {
      problems.push(`${where}: unknown key "${key}" (known: ${Object.keys(KEYS).join(', ')})`);
      continue;
    }
    const read = typed(kind, value);
    const range = RANGES[key as keyof PoolEntry];
    const choices = CHOICES[key as keyof PoolEntry];
    if (read === undefined) problems.push(`${where}: ${key} must be ${kind === 'list' ? 'a list of strings' : `a ${kind}`}`);
    else if (range && ((read as number) < range[0] || (read as number) > range[1]))
      problems.push(`${where}: ${key} must be between ${range[0]} and ${range[1]}, not ${String(read)}`);
    else if (choices && !choices.includes(read as string))
      problems.push(`${where}: ${key} must be one of ${choices.join(', ')}, not "${String(read)}"`);
    else entry[key] = read;
  }
  if (typeof entry['name'] !== 'string') problems.push(`${where}: name is required`);
  else if (!POOL_NAME.test(entry['name']))
    problems.push(`${where}: name "${entry['name']}" must be lowercase letters, digits and '-', at most 40 characters`);
  else if (entry['name'] === DEFAULT_POOL)
    problems.push(`${where}: name "${DEFAULT_POOL}" is the pool of the nodes no pool selects (the top-level flags); choose another`);
  if (typeof entry['nodeSelector'] !== 'string' || entry['nodeSelector'].trim() === '')
    problems.push(`${where}: nodeSelector is required (a label selector such as "kreboot.dev/pool=gpu")`);
  if (entry['rebootMethod'] === 'command' && entry['rebootCommand'] !== undefined && String(entry['rebootCommand']).trim() === '')
    problems.push(`${where}: rebootCommand must not be empty with rebootMethod: command`);
  return problems.length === before ? (entry as unknown as PoolEntry) : undefined;
}

/** Parses the text of a pools file: `pools:` a list of pools; every problem at once, prefixed with `source`. */
export function parsePoolsFile(text: string, source: string): { entries: PoolEntry[]; problems: string[] } {
  let document: unknown;
  if (text.trim() === '') return { entries: [], problems: [] };
  try {
    document = load(text);
  } catch (error) {
    return { entries: [], problems: [`${source}: not valid YAML or JSON: ${(error as Error).message.split('\n')[0]}`] };
  }
  if (document === undefined || document === null) return { entries: [], problems: [] };
  const pools = (document as { pools?: unknown }).pools;
  if (typeof document !== 'object' || Array.isArray(document) || Object.keys(document).some((key) => key !== 'pools'))
    return { entries: [], problems: [`${source}: must be a mapping with one key, "pools" (a list of pools)`] };
  if (pools === undefined || pools === null) return { entries: [], problems: [] };
  if (!Array.isArray(pools)) return { entries: [], problems: [`${source}: pools must be a list`] };
  const problems: string[] = [];
  const entries: PoolEntry[] = [];
  const names = new Set<string>();
  pools.forEach((raw, index) => {
    const named = typeof (raw as { name?: unknown } | null)?.name === 'string' ? ` (${(raw as { name: string }).name})` : '';
    const entry = readEntry(raw, `${source}: pools[${index}]${named}`, problems);
    if (!entry) return;
    if (names.has(entry.name)) problems.push(`${source}: pool "${entry.name}" is declared twice`);
    names.add(entry.name);
    entries.push(entry);
  });
  return { entries, problems };
}

/** Reads and parses the file at `path`; an unreadable or oversized file is a problem, not an empty list. */
export function readPoolsFile(path: string, flag = '--pools-file'): { entries: PoolEntry[]; problems: string[]; text?: string } {
  try {
    const size = statSync(path).size;
    if (size > MAX_FILE_BYTES) return { entries: [], problems: [`${flag}: ${path} is ${size} bytes; at most ${MAX_FILE_BYTES}`] };
    const text = readFileSync(path, 'utf8');
    return { ...parsePoolsFile(text, `${flag} ${path}`), text };
  } catch (error) {
    return {
      entries: [],
      problems: [`${flag}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`],
    };
  }
}
