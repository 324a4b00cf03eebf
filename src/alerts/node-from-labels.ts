// Which node an alert is about: the first of the configured labels (--alert-node-labels) that the
// alert carries. Used by the webhook (which node to reboot) and by the alert gate (which node an
// alert blocks), so both read a node from labels the same way.

/**
 * `instance` is "host:port" in Prometheus; the node is the host. IPv6 targets look like
 * "[::1]:9100", so the brackets go too. A bare IPv6 address (several colons, no brackets) is kept.
 */
export function stripPort(instance: string): string {
  if (instance.startsWith('[')) {
    const close = instance.indexOf(']');
    return close > 0 ? instance.slice(1, close) : instance;
  }
  const colon = instance.lastIndexOf(':');
  if (colon <= 0 || instance.indexOf(':') !== colon) return instance;
  return /^\d+$/.test(instance.slice(colon + 1)) ? instance.slice(0, colon) : instance;
}

/** The node an alert names, or undefined when none of the labels is present and non-empty. */
export function nodeFromLabels(labels: Readonly<Record<string, string>>, nodeLabels: readonly string[]): string | undefined {
  for (const name of nodeLabels) {
    // hasOwn: a label named like an Object.prototype member must not read the prototype.
    const value = Object.hasOwn(labels, name) ? labels[name] : undefined;
    if (typeof value !== 'string' || value === '') continue;
    const node = name === 'instance' ? stripPort(value) : value;
    if (node !== '') return node;
  }
  return undefined;
}
