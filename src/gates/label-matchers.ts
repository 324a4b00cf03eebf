// Prometheus-style label matchers for --alert-filter-labels: `severity=critical`, `team!=dev`,
// `env=~prod.*`, `env!~test|dev` (values may be double-quoted). Regexes are anchored, as in PromQL,
// and a missing label matches as the empty string, as in PromQL.

import { collectAll, failure, success, type Result } from '../result.ts';

export interface LabelMatcher {
  readonly text: string;
  matches(labels: Readonly<Record<string, string>>): boolean;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

export function parseLabelMatcher(text: string): Result<LabelMatcher> {
  const match = MATCHER.exec(text);
  if (!match) return failure(`"${text}" is not a label matcher (name=value, name!=value, name=~regex, name!~regex)`);
  const [, name, op, raw] = match as unknown as [string, string, string, string];
  const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  const read = (labels: Readonly<Record<string, string>>) => (Object.hasOwn(labels, name) ? (labels[name] ?? '') : '');
  if (op === '=' || op === '!=') {
    const want = op === '=';
    return success({ text, matches: (labels) => (read(labels) === value) === want });
  }
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${value})$`);
  } catch (error) {
    return failure(`"${text}": invalid regular expression (${(error as Error).message})`);
  }
  const want = op === '=~';
  return success({ text, matches: (labels) => re.test(read(labels)) === want });
}

export function parseLabelMatchers(texts: readonly string[], flag: string): { matchers: LabelMatcher[]; problems: string[] } {
  const { values, problems } = collectAll(texts, flag, parseLabelMatcher);
  return { matchers: values, problems };
}
