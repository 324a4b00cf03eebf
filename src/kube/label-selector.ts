// Checks a Kubernetes label selector (`app=db,tier!=cache`, `!canary`, `env in (a,b)`) at start, so
// a typo is a startup problem naming the flag rather than an API error on every cycle. The API
// server stays the one that evaluates it.

const NAME = '[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const KEY = new RegExp(`^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?${NAME}$`);
const VALUE = new RegExp(`^(${NAME})?$`);

export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function checkRequirement(req: string): string | undefined {
  const text = req.trim();
  if (text === '') return 'empty requirement (a stray comma?)';
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (set) {
    if (!KEY.test(set[1]!)) return `"${set[1]}" is not a label key`;
    const values = set[3]!.split(',').map((v) => v.trim());
    const bad = values.find((v) => !VALUE.test(v));
    return bad === undefined ? undefined : `"${bad}" is not a label value`;
  }
  const exists = /^(!?)\s*([^=!<>\s]+)$/.exec(text);
  if (exists) return KEY.test(exists[2]!) ? undefined : `"${exists[2]}" is not a label key`;
  const cmp = /^([^=!<>\s]+)\s*(==|!=|=|<|>)\s*(\S*)$/.exec(text);
  if (!cmp) return `"${text}" is not a requirement (key, !key, key=value, key!=value, key in (a,b), key notin (a,b))`;
  if (!KEY.test(cmp[1]!)) return `"${cmp[1]}" is not a label key`;
  if ((cmp[2] === '<' || cmp[2] === '>') && !/^-?\d+$/.test(cmp[3]!)) return `"${cmp[3]}" must be an integer for ${cmp[2]}`;
  return VALUE.test(cmp[3]!) ? undefined : `"${cmp[3]}" is not a label value`;
}

/** undefined when valid, else why not. An empty selector is refused: it would match every pod. */
export function checkLabelSelector(selector: string): string | undefined {
  if (selector.trim() === '') return 'an empty selector would match every pod on the node';
  for (const req of splitTopLevel(selector)) {
    const problem = checkRequirement(req);
    if (problem) return problem;
  }
  return undefined;
}

export function matchesRequirement(req: string, labels: Readonly<Record<string, string>>): boolean {
  const text = req.trim();
  const set = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(text);
  if (set) {
    const values = set[3]!.split(',').map((v) => v.trim());
    const has = Object.hasOwn(labels, set[1]!);
    const inSet = has && values.includes(labels[set[1]!]!);
    return set[2] === 'in' ? inSet : !inSet;
  }
  const exists = /^(!?)\s*([^=!<>\s]+)$/.exec(text);
  if (exists) return Object.hasOwn(labels, exists[2]!) !== (exists[1] === '!');
  const cmp = /^([^=!<>\s]+)\s*(==|!=|=|<|>)\s*(\S*)$/.exec(text);
  if (!cmp) return false;
  const has = Object.hasOwn(labels, cmp[1]!);
  const value = labels[cmp[1]!];
  switch (cmp[2]) {
    case '!=':
      return !has || value !== cmp[3];
    case '<':
    case '>': {
      if (!has || !/^-?\d+$/.test(value!)) return false;
      return cmp[2] === '<' ? Number(value) < Number(cmp[3]) : Number(value) > Number(cmp[3]);
    }
    default:
      return has && value === cmp[3];
  }
}

/**
 * Evaluates a selector (checked with checkLabelSelector first) against a node's labels, with the
 * API server's semantics: every requirement must hold; `!=` and `notin` hold for a missing key.
 * Used where kreboot orders nodes it already has in memory (--node-order).
 */
export function matchesLabelSelector(selector: string, labels: Readonly<Record<string, string>>): boolean {
  return splitTopLevel(selector).every((req) => matchesRequirement(req, labels));
}
