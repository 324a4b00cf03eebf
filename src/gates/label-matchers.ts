// Prometheus-style label matchers for --alert-filter-labels: `severity=critical`, `team!=dev`,
// `env=~prod.*`, `env!~test|dev` (values may be double-quoted). Regexes are anchored, as in PromQL,
// and a missing label matches as the empty string, as in PromQL.

export interface LabelMatcher {
  readonly text: string;
  matches(labels: Readonly<Record<string, string>>): boolean;
}

const MATCHER = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/;

export function parseLabelMatcher(text: string): { matcher: LabelMatcher } | { error: string } {
  const match = MATCHER.exec(text);
  if (!match) return { error: `"${text}" is not a label matcher (name=value, name!=value, name=~regex, name!~regex)` };
  const [, name, op, raw] = match as unknown as [string, string, string, string];
  const value = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  const read = (labels: Readonly<Record<string, string>>) => (Object.hasOwn(labels, name) ? (labels[name] ?? '') : '');
  if (op === '=' || op === '!=') {
    const want = op === '=';
    return { matcher: { text, matches: (labels) => (read(labels) === value) === want } };
  }
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${value})$`);
  } catch (error) {
    return { error: `"${text}": invalid regular expression (${(error as Error).message})` };
  }
  const want = op === '=~';
  return { matcher: { text, matches: (labels) => re.test(read(labels)) === want } };
}

export function parseLabelMatchers(texts: readonly string[], flag: string): { matchers: LabelMatcher[]; problems: string[] } {
  const matchers: LabelMatcher[] = [];
  const problems: string[] = [];
  for (const text of texts) {
    const parsed = parseLabelMatcher(text);
    if ('error' in parsed) problems.push(`${flag}: ${parsed.error}`);
    else matchers.push(parsed.matcher);
  }
  return { matchers, problems };
}
