// --silence-matchers: each value is one matcher SET, Alertmanager/PromQL style, with an optional
// pair of braces: `alertname=~"KubeNodeNotReady|KubeNodeUnreachable", node="{{node}}"`. All matchers
// of a set must match (one Alertmanager silence per set); sets are alternatives. `{{node}}` is the
// node's name, regex-escaped inside =~ and !~ values (node names contain dots).
//
// Every set must name the node in a positive matcher (= or =~): a set without one would silence
// that alert for every node in the cluster while one node reboots.

import { collectAll, failure, success, type Result } from '../result.ts';
import type { SilenceMatcher } from './alertmanager-client.ts';

const NODE_PLACEHOLDER = '{{node}}';

/**
 * The default sets: a node being rebooted is NotReady/Unreachable for a while (kube-prometheus'
 * KubeNodeNotReady, KubeNodeUnreachable; a reboot is two readiness changes, which
 * KubeNodeReadinessFlapping may count), and its scrape targets are down (the per-instance
 * InstanceDown of Prometheus' documentation, and per-instance TargetDown/NodeDown rules).
 */
export const DEFAULT_SILENCE_MATCHERS: readonly string[] = [
  'alertname=~"KubeNodeNotReady|KubeNodeUnreachable|KubeNodeReadinessFlapping", node="{{node}}"',
  'alertname=~"TargetDown|InstanceDown|NodeDown", instance=~"{{node}}(:[0-9]+)?"',
];

export type MatcherSet = readonly SilenceMatcher[];

const NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const OPERATORS = ['=~', '!~', '!=', '='] as const;

/** Parses one set; returns the problem in words when the text is not one. */
export function parseMatcherSet(text: string): Result<MatcherSet> {
  let rest = text.trim();
  if (rest.startsWith('{') && rest.endsWith('}')) rest = rest.slice(1, -1).trim();
  const set: SilenceMatcher[] = [];
  while (rest !== '') {
    const name = NAME.exec(rest)?.[0];
    if (!name) return failure(`"${text}": expected a label name at "${rest}"`);
    rest = rest.slice(name.length).trimStart();
    const op = OPERATORS.find((candidate) => rest.startsWith(candidate));
    if (!op) return failure(`"${text}": expected =, !=, =~ or !~ after ${name}`);
    rest = rest.slice(op.length).trimStart();
    let value: string;
    if (rest.startsWith('"')) {
      const end = closingQuote(rest);
      if (end === -1) return failure(`"${text}": unterminated quoted value for ${name}`);
      // \" and \\ are escapes; any other backslash stays, so `\.` in a regex keeps its meaning.
      value = rest.slice(1, end).replace(/\\(["\\])/g, '$1');
      rest = rest.slice(end + 1).trimStart();
    } else {
      const end = rest.indexOf(',');
      value = (end === -1 ? rest : rest.slice(0, end)).trim();
      rest = end === -1 ? '' : rest.slice(end);
    }
    const isRegex = op === '=~' || op === '!~';
    if (isRegex) {
      try {
        new RegExp(`^(?:${value.replaceAll(NODE_PLACEHOLDER, 'node')})$`);
      } catch (error) {
        return failure(`"${text}": ${name}${op}"${value}" is not a valid regular expression (${(error as Error).message})`);
      }
    }
    set.push({ name, value, isRegex, isEqual: op === '=' || op === '=~' });
    if (rest.startsWith(',')) rest = rest.slice(1).trimStart();
    else if (rest !== '') return failure(`"${text}": expected "," before "${rest}"`);
  }
  if (set.length === 0) return failure(`"${text}": an empty matcher set would silence every alert`);
  if (!set.some((m) => m.isEqual && m.value.includes(NODE_PLACEHOLDER))) {
    return failure(`"${text}": needs a = or =~ matcher with ${NODE_PLACEHOLDER}, or it would silence these alerts for every node`);
  }
  return success(set);
}

function closingQuote(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

export function parseMatcherSets(texts: readonly string[], flag: string): { sets: MatcherSet[]; problems: string[] } {
  const { values, problems } = collectAll(texts, flag, parseMatcherSet);
  return { sets: values, problems };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The set with `{{node}}` replaced by the node's name, ready for Alertmanager. */
export function renderMatcherSet(set: MatcherSet, node: string): SilenceMatcher[] {
  return set.map((m) => ({ ...m, value: m.value.replaceAll(NODE_PLACEHOLDER, m.isRegex ? escapeRegex(node) : node) }));
}

/** The set as text, for messages and silence comments. */
export function formatMatchers(matchers: readonly SilenceMatcher[]): string {
  return `{${matchers.map((m) => `${m.name}${operator(m)}${JSON.stringify(m.value)}`).join(', ')}}`;
}

function operator(m: SilenceMatcher): string {
  return m.isEqual ? (m.isRegex ? '=~' : '=') : m.isRegex ? '!~' : '!=';
}

/**
 * The `filter` that asks Alertmanager (GET /api/v2/silences) for the silences made of these
 * matchers: Alertmanager keeps a silence when, for each filter matcher, the silence has a matcher
 * of the same name, operator and value (the pattern text itself for =~). So the answer holds this
 * node's silences for one set, not the thousands a long rollout leaves. Values are quoted as
 * Alertmanager's matcher parser reads them: \\, \" and \n.
 */
export function silenceFilter(matchers: readonly SilenceMatcher[]): string[] {
  const quote = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return matchers.map((m) => `${m.name}${operator(m)}"${quote(m.value)}"`);
}

/** Order-insensitive equality, to find a silence kreboot made earlier for the same node. */
export function sameMatchers(a: readonly SilenceMatcher[], b: readonly SilenceMatcher[]): boolean {
  const key = (m: SilenceMatcher) => JSON.stringify([m.name, m.value, m.isRegex, m.isEqual]);
  const left = a.map(key).sort();
  const right = b.map(key).sort();
  return left.length === right.length && left.every((k, i) => k === right[i]);
}
