// Freezes a parsed configuration all the way down, so nothing changes it after start-up. Its own
// module: the agent's bundle must not pull in the controller's configuration (and its gates).

export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !(value instanceof RegExp) && !(value instanceof URL)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
