// kured's reboot lock, as stored in the `--lock-annotation` of the agent DaemonSet. kured writes one
// holder `{"nodeID","metadata":{"unschedulable"},"created","TTL"}` with concurrency 1 and
// `{"maxOwners","locks":[…]}` above it; its manual pause is a hand-written `{"nodeID":"manual"}`.
// kreboot reads both shapes and writes the one kured would, marking its own holders so any other
// holder (kured's, or an operator's) is recognised as foreign: a foreign holder pauses kreboot.

import { parseJson } from './parse-json.ts';

const KREBOOT_HOLDER = 'kreboot';

export interface LockHolder {
  readonly nodeID: string;
  /** RFC 3339; absent in hand-written pauses. */
  readonly created?: string;
  /** Whether the node was unschedulable before the reboot (kured's NodeMeta). */
  readonly unschedulable: boolean;
  /** True for holders kreboot wrote; anything else is foreign. */
  readonly ours: boolean;
}

export interface LockRecord {
  readonly holders: readonly LockHolder[];
}

interface StoredHolder {
  nodeID?: unknown;
  created?: unknown;
  TTL?: unknown;
  metadata?: { unschedulable?: unknown; holder?: unknown } | null;
}

function readHolder(value: StoredHolder): LockHolder | undefined {
  if (typeof value !== 'object' || value === null || typeof value.nodeID !== 'string' || value.nodeID === '') return undefined;
  const metadata = value.metadata && typeof value.metadata === 'object' ? value.metadata : {};
  return {
    nodeID: value.nodeID,
    ...(typeof value.created === 'string' && !value.created.startsWith('0001-') ? { created: value.created } : {}),
    unschedulable: metadata.unschedulable === true,
    ours: metadata.holder === KREBOOT_HOLDER,
  };
}

/**
 * Parses the annotation. Text that is present but unreadable is reported as `undefined` so the
 * caller blocks (never "go" on a record it cannot read); an absent annotation is an empty lock.
 */
export function parseLock(text: string | undefined): LockRecord | undefined {
  if (text === undefined || text.trim() === '') return { holders: [] };
  const value = parseJson(text);
  if (typeof value !== 'object' || value === null) return undefined;
  const multi = value as { locks?: unknown };
  if (Array.isArray(multi.locks)) {
    const holders = multi.locks.map((item) => readHolder(item as StoredHolder));
    return holders.every((holder) => holder !== undefined) ? { holders: holders as LockHolder[] } : undefined;
  }
  const single = value as StoredHolder;
  if (single.nodeID === undefined || single.nodeID === '') return { holders: [] };
  const holder = readHolder(single);
  return holder ? { holders: [holder] } : undefined;
}

function storedHolder(holder: LockHolder, ttlMs: number): object {
  return {
    nodeID: holder.nodeID,
    metadata: holder.ours ? { unschedulable: holder.unschedulable, holder: KREBOOT_HOLDER } : { unschedulable: holder.unschedulable },
    created: holder.created ?? new Date(0).toISOString(),
    TTL: ttlMs * 1e6, // kured stores a Go time.Duration: nanoseconds
  };
}

/** Serialises in kured's shape: a single holder with concurrency 1, the multi-lock otherwise. */
export function serializeLock(record: LockRecord, concurrency: number, ttlMs: number): string | null {
  if (concurrency <= 1) {
    if (record.holders.length === 0) return null;
    if (record.holders.length === 1) return JSON.stringify(storedHolder(record.holders[0]!, ttlMs));
  }
  return JSON.stringify({ maxOwners: concurrency, locks: record.holders.map((holder) => storedHolder(holder, ttlMs)) });
}

/** A holder is expired when --lock-ttl (its current value, kured #822) has passed since it was created. */
export function isExpired(holder: LockHolder, ttlMs: number, now: Date): boolean {
  if (ttlMs <= 0 || holder.created === undefined) return false;
  return now.getTime() - Date.parse(holder.created) > ttlMs;
}
