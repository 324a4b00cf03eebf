// Reboots by age (--max-node-age): a node whose current boot is older than the maximum is due for
// a reboot even if nothing asked for one (kernel fixes applied without a sentinel, memory leaks,
// long-lived hosts drifting from their image). Pure: the agent reports the boot time
// (AGENT.bootTime), the planner asks this function, and the request then passes every gate and
// window like any other.
//
// A fleet installed on the same day would all be due at the same moment, so each node's moment is
// spread deterministically over the last tenth of the maximum age by a hash of its name: between
// 90% and 100% of --max-node-age, the same answer on every replica and after every restart.

import { createHash } from 'node:crypto';

export interface NodeAgeInput {
  readonly name: string;
  /** RFC 3339 (AGENT.bootTime); absent or unreadable means the age is unknown: never due. */
  readonly bootTime?: string;
}

export interface NodeAgeSettings {
  /** --max-node-age in milliseconds; 0 (or less) turns reboots by age off. */
  readonly maxNodeAgeMs: number;
}

export interface AgeRequest {
  /** RFC 3339: the moment the node became due. */
  readonly at: string;
  readonly kind: 'age';
}

/** The share of --max-node-age over which due moments are spread. */
export const AGE_SPREAD_FRACTION = 0.1;

/**
 * The first 32 bits of the name's SHA-256, as a fraction in [0, 1): stable across processes and
 * versions, and evenly spread even for sequential names (node-1, node-2, …), which a short
 * multiplicative hash such as FNV-1a clusters.
 */
export function nameFraction(name: string): number {
  return createHash('sha256').update(name).digest().readUInt32BE(0) / 2 ** 32;
}

/** When the node's current boot becomes too old; undefined when off or the boot time is unknown. */
export function ageDueAt(node: NodeAgeInput, settings: NodeAgeSettings): Date | undefined {
  if (!(settings.maxNodeAgeMs > 0) || !node.bootTime) return undefined;
  const booted = Date.parse(node.bootTime);
  if (Number.isNaN(booted)) return undefined;
  const spread = settings.maxNodeAgeMs * AGE_SPREAD_FRACTION;
  return new Date(booted + settings.maxNodeAgeMs - spread + Math.floor(spread * nameFraction(node.name)));
}

/** The age request for a node that is due at `now`, or undefined. */
export function ageRequest(node: NodeAgeInput, settings: NodeAgeSettings, now: Date): AgeRequest | undefined {
  const due = ageDueAt(node, settings);
  if (!due || due.getTime() > now.getTime()) return undefined;
  return { at: due.toISOString(), kind: 'age' };
}
