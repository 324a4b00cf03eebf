// Whether a label value can be a Node's name at all, decided before any lookup: Kubernetes names
// Nodes with DNS-1123 subdomains (lowercase, at most 253 characters). A value that is not one ("..",
// "%2F", a 600 KB string, unicode) names no node, so it is ignored with that reason instead of being
// put into an API path, where "." and ".." change the URL and an odd escape makes the API answer
// something other than 404.

const MAX_LENGTH = 253;
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function isNodeName(value: string): boolean {
  return value.length <= MAX_LENGTH && SUBDOMAIN.test(value);
}

/** How a name is echoed in a reply or a log: at most 80 characters, so a huge name is not echoed whole. */
export function shownName(value: string): string {
  const chars = Array.from(value.slice(0, 160));
  return chars.length > 80 ? `${chars.slice(0, 80).join('')}… (${value.length} characters)` : chars.join('');
}
