// JSON merge patch (RFC 7386) as the API server applies it to a Node or a DaemonSet, on frozen
// objects: a patch builds new objects only along the paths it changes and shares the rest, so the
// model can hand the same object to every reader without copying (a reader that tries to mutate it
// throws). `normalize` drops what the API server's serialisation omits (false booleans of
// `omitempty` fields, empty maps and lists), so "did this patch change anything" compares what a
// client would read back.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Applies `patch` to `target`; `undefined` values in the patch are absent (JSON has no undefined). */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return deepFreeze(patch);
  const base = isObject(target) ? target : {};
  const result: JsonObject = { ...base };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete result[key];
    else result[key] = mergePatch(base[key], value) as Json;
  }
  return Object.freeze(result);
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** Deep equality of two JSON values (key order ignored). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const key of ka) if (!jsonEqual((a as JsonObject)[key], (b as JsonObject)[key])) return false;
  return true;
}

/** What the API server would store and return for a Node or DaemonSet (omitempty applied). */
export function normalize<T>(object: T): T {
  const value = object as JsonObject;
  const metadata = value['metadata'] as JsonObject | undefined;
  const spec = value['spec'] as JsonObject | undefined;
  let changed = false;
  const meta: JsonObject = { ...(metadata ?? {}) };
  for (const key of ['annotations', 'labels']) {
    const map = meta[key];
    if (isObject(map) && Object.keys(map).length === 0) {
      delete meta[key];
      changed = true;
    }
  }
  let nextSpec = spec;
  if (spec && (spec['unschedulable'] === false || (Array.isArray(spec['taints']) && spec['taints'].length === 0))) {
    const copy: JsonObject = { ...spec };
    if (copy['unschedulable'] === false) delete copy['unschedulable'];
    if (Array.isArray(copy['taints']) && copy['taints'].length === 0) delete copy['taints'];
    nextSpec = Object.freeze(copy);
    changed = true;
  }
  if (!changed) return object;
  return Object.freeze({ ...value, metadata: Object.freeze(meta), ...(nextSpec ? { spec: nextSpec } : {}) }) as T;
}

export { deepFreeze };
