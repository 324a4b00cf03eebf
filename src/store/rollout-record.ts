// The rollout-wide records kept on the lock DaemonSet beside kured's lock annotation: the slots
// (kured's lock), kreboot's pause and the halt that a node which did not come back sets. One object
// holds them all, so one optimistic write changes them together and one watch keeps them current.

import type { V1DaemonSet } from '@kubernetes/client-node';
import { HALTED_ANNOTATION, PAUSED_ANNOTATION, RECOVERING_ANNOTATION, RESUMED_ANNOTATION } from './keys.ts';
import { parseLock, type LockRecord } from './lock-record.ts';
import { parseJsonRecord } from './parse-json.ts';

interface PauseRecord {
  readonly at: string;
  readonly reason: string;
  readonly by?: string;
}

interface ResumeRecord {
  readonly at: string;
  readonly by?: string;
}

export interface HaltRecord {
  readonly at: string;
  readonly node: string;
  readonly reason: string;
}

/** A node being recovered (policy/recovery.ts): the rollout waits on it until `until`, then halts. */
export interface RecoveringRecord {
  readonly at: string;
  readonly node: string;
  readonly reason: string;
  /** RFC 3339: past this, a node still gone (and not replaced) halts the rollout. */
  readonly until: string;
}

export interface RolloutRecord {
  /** undefined when the lock annotation is present but unreadable: the rollout must block. */
  readonly lock: LockRecord | undefined;
  readonly paused: PauseRecord | undefined;
  readonly halted: HaltRecord | undefined;
  readonly resumed: ResumeRecord | undefined;
  /** The nodes being recovered (a list: with --concurrency above 1, several may be). */
  readonly recovering?: readonly RecoveringRecord[];
  readonly resourceVersion: string | undefined;
  /**
   * kured's lock as read by another pool than the default (docs/pools.md): its foreign holders
   * (kured's manual pause) hold every pool; kreboot never writes it through this record.
   */
  readonly sharedLock?: LockRecord | undefined;
}

/** An unreadable pause or halt still means "stop": it is reported as set, with the raw text. */
function stopRecord<T extends object>(text: string | undefined): T | undefined {
  const parsed = parseJsonRecord<T>(text);
  if (parsed.state === 'ok') return parsed.value;
  if (parsed.state === 'absent') return undefined;
  return { at: '', reason: `unreadable record: ${text!.slice(0, 100)}`, node: '' } as unknown as T;
}

/** An unreadable resume re-arms nothing: resuming again writes a fresh one. */
function resumeRecord(text: string | undefined): ResumeRecord | undefined {
  const parsed = parseJsonRecord<ResumeRecord>(text);
  return parsed.state === 'ok' && typeof parsed.value.at === 'string' && !Number.isNaN(Date.parse(parsed.value.at))
    ? parsed.value
    : undefined;
}

/** An unreadable recovery record still holds the rollout: it halts at once (no `until` to wait for). */
function recoveringRecords(text: string | undefined): readonly RecoveringRecord[] | undefined {
  if (!text) return undefined;
  const unreadable = [{ at: '', node: '', reason: `unreadable record: ${text.slice(0, 100)}`, until: '' }];
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return unreadable;
  }
  if (!Array.isArray(value)) return unreadable;
  const ok = value.every(
    (item: Partial<RecoveringRecord> | null) =>
      typeof item === 'object' && item !== null && typeof item.node === 'string' && typeof item.until === 'string',
  );
  return ok ? (value as RecoveringRecord[]) : unreadable;
}

/** DaemonSet objects are never changed in place: each is read once per lock annotation name (one per pool). */
const readOnce = new WeakMap<V1DaemonSet, Map<string, RolloutRecord>>();

export function readRollout(ds: V1DaemonSet, lockAnnotation: string, sharedLockAnnotation?: string): RolloutRecord {
  const key = `${lockAnnotation} ${sharedLockAnnotation ?? ''}`;
  let cached = readOnce.get(ds);
  const found = cached?.get(key);
  if (found) return found;
  const record = parseRollout(ds, lockAnnotation, sharedLockAnnotation);
  if (!cached) readOnce.set(ds, (cached = new Map()));
  cached.set(key, record);
  return record;
}

function parseRollout(ds: V1DaemonSet, lockAnnotation: string, sharedLockAnnotation: string | undefined): RolloutRecord {
  const annotations = ds.metadata?.annotations ?? {};
  return {
    ...(sharedLockAnnotation !== undefined && sharedLockAnnotation !== lockAnnotation
      ? { sharedLock: parseLock(annotations[sharedLockAnnotation]) }
      : {}),
    lock: parseLock(annotations[lockAnnotation]),
    paused: stopRecord<PauseRecord>(annotations[PAUSED_ANNOTATION]),
    halted: stopRecord<HaltRecord>(annotations[HALTED_ANNOTATION]),
    resumed: resumeRecord(annotations[RESUMED_ANNOTATION]),
    recovering: recoveringRecords(annotations[RECOVERING_ANNOTATION]),
    resourceVersion: ds.metadata?.resourceVersion,
  };
}
