// JSON merge patches through @kubernetes/client-node: the request options that make a patch call
// send application/merge-patch+json (the body of an annotation change: annotations.ts).

import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';

export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

type JsonObject = { [key: string]: unknown };
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What the API server would store for `target` after a JSON merge patch (RFC 7386): for a write
 * whose answer was lost, the object it would have made. `undefined` in the patch is absent.
 */
export function applyMergePatch<T>(target: T, patch: unknown): T {
  if (!isObject(patch)) return patch as T;
  const result: JsonObject = { ...(isObject(target) ? target : {}) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result as T;
}
