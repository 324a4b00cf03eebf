// What can be known about two node pools' label selectors before any node exists: whether a
// selector can match a node at all, whether every node one matches the other matches too (the
// narrower pool could never own a node), and whether some node could match both. The requirements
// of a selector on different keys are independent, so each key is decided alone by trying every
// value that could make a difference: the key absent, each value the requirements name, one value
// none names, and each integer bound ±1. That finite set decides every requirement form
// (=, ==, !=, in, notin, exists, !exists, <, >) exactly.

import { matchesRequirement, splitTopLevel } from '../../kube/label-selector.ts';

interface Requirement {
  readonly key: string;
  readonly text: string;
  readonly values: readonly string[];
}

/** A value no requirement names: stands for "any other value". */
const OTHER = '\u0000other';

function parseRequirement(text: string): Requirement {
  const trimmed = text.trim();
  const set = /^(\S+)\s+(?:in|notin)\s*\((.*)\)$/.exec(trimmed);
  if (set) return { key: set[1]!, text: trimmed, values: set[2]!.split(',').map((v) => v.trim()) };
  const exists = /^!?\s*([^=!<>\s]+)$/.exec(trimmed);
  if (exists) return { key: exists[1]!, text: trimmed, values: [] };
  const cmp = /^([^=!<>\s]+)\s*(?:==|!=|=|<|>)\s*(\S*)$/.exec(trimmed);
  if (cmp) return { key: cmp[1]!, text: trimmed, values: [cmp[2]!] };
  return { key: trimmed, text: trimmed, values: [] };
}

function requirements(selector: string): Requirement[] {
  return splitTopLevel(selector).map(parseRequirement);
}

/** The values of `key` worth trying against these requirements (undefined: the key absent). */
function candidates(reqs: readonly Requirement[]): (string | undefined)[] {
  const values = new Set<string | undefined>([undefined, OTHER]);
  for (const req of reqs)
    for (const value of req.values) {
      values.add(value);
      if (/^-?\d+$/.test(value)) for (const near of [Number(value) - 1, Number(value) + 1]) values.add(String(near));
    }
  return [...values];
}

const holds = (req: Requirement, value: string | undefined) =>
  matchesRequirement(req.text, value === undefined ? {} : { [req.key]: value });

function byKey(reqs: readonly Requirement[]): Map<string, Requirement[]> {
  const keys = new Map<string, Requirement[]>();
  for (const req of reqs) keys.set(req.key, [...(keys.get(req.key) ?? []), req]);
  return keys;
}

function satisfiableReqs(reqs: readonly Requirement[]): boolean {
  for (const onKey of byKey(reqs).values()) if (!candidates(onKey).some((value) => onKey.every((req) => holds(req, value)))) return false;
  return true;
}

/** Whether some set of labels matches the selector (`a=1,a=2` matches nothing). */
export function satisfiable(selector: string): boolean {
  return satisfiableReqs(requirements(selector));
}

/** Whether some set of labels matches both selectors. */
export function mayOverlap(a: string, b: string): boolean {
  return satisfiableReqs([...requirements(a), ...requirements(b)]);
}

/** Whether every set of labels that matches `a` matches `b` too (identical selectors, or `a` narrower). */
export function implies(a: string, b: string): boolean {
  const left = requirements(a);
  if (!satisfiableReqs(left)) return true;
  const leftByKey = byKey(left);
  // a ⇒ b fails when, for some requirement r of b, a value of r's key satisfies a's requirements
  // on that key and not r (a's other keys stay satisfiable, being independent).
  return requirements(b).every((r) => {
    const onKey = leftByKey.get(r.key) ?? [];
    return !candidates([...onKey, r]).some((value) => onKey.every((req) => holds(req, value)) && !holds(r, value));
  });
}
