// Kubernetes' syntax for label and annotation keys and label values, checked when a flag names one
// kreboot will write on a Node: the API server would refuse the write only later, mid-reboot.

const NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/** What is wrong with a label or annotation key, or undefined. */
export function checkKey(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix)))
    return 'the key prefix must be a DNS subdomain (lowercase, at most 253 characters)';
  if (name.length === 0 || name.length > 63 || !NAME.test(name))
    return 'the key name must be 1–63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  return undefined;
}

/** What is wrong with a label's value, or undefined (empty is allowed). */
export function checkLabelValue(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63 || !NAME.test(value))
    return 'a label value must be at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  return undefined;
}
