// Turns a command line and an environment into flag values for one role. Every problem is collected
// so the user sees them all at once; the command line wins over the environment (kured let the
// environment win, one of its traps), KREBOOT_<NAME> wins over KURED_<NAME>.

import { parseDuration } from './duration.ts';
import { FLAGS, FLAGS_BY_NAME, envNames, type FlagSpec, type Role } from './flags.ts';

export type FlagValue = string | boolean | number | string[];

export interface ParsedFlags {
  /** Flag name → value (default, environment or command line), for every flag of the role. */
  readonly values: ReadonlyMap<string, FlagValue>;
  /** Where each value came from, for `--help`-style diagnostics. */
  readonly sources: ReadonlyMap<string, 'default' | 'env' | 'flag'>;
  /** Positional arguments, in order. */
  readonly positionals: readonly string[];
  readonly errors: readonly string[];
  /** One line per kured flag that takes effect in another role. */
  readonly notices: readonly string[];
  readonly help: boolean;
}

/**
 * Kubernetes manifests copied from kured's README pass `--reboot-sentinel-command=""`, which reaches
 * the process as two quote characters; treat a value that is only a pair of quotes as empty, and
 * strip one pair of matching outer quotes.
 */
function unquote(text: string): string {
  if (text.length >= 2 && (text[0] === '"' || text[0] === "'") && text.at(-1) === text[0]) return text.slice(1, -1);
  return text;
}

function convert(flag: FlagSpec, raw: string, where: string, errors: string[]): FlagValue | undefined {
  const text = unquote(raw);
  switch (flag.kind) {
    case 'string':
      if (flag.choices && !flag.choices.includes(text)) {
        errors.push(`${where}: "${text}" is not one of ${flag.choices.join(', ')}`);
        return undefined;
      }
      return text;
    case 'bool': {
      const lower = text.toLowerCase();
      if (['true', '1', 't', 'yes'].includes(lower)) return true;
      if (['false', '0', 'f', 'no'].includes(lower)) return false;
      errors.push(`${where}: "${text}" is not a boolean (true or false)`);
      return undefined;
    }
    case 'int': {
      if (!/^[-+]?\d+$/.test(text.trim())) {
        errors.push(`${where}: "${text}" is not a whole number`);
        return undefined;
      }
      return Number(text);
    }
    case 'duration': {
      if (parseDuration(text) === undefined) {
        errors.push(`${where}: "${text}" is not a duration (examples: 90s, 30m, 1h30m)`);
        return undefined;
      }
      return text;
    }
    case 'list':
      return text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== '');
    case 'array':
      return text === '' ? [] : [text];
  }
}

function isRepeatable(flag: FlagSpec): boolean {
  return flag.kind === 'list' || flag.kind === 'array';
}

function closest(name: string): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const flag of FLAGS) {
    const distance = editDistance(name, flag.name);
    if (distance <= 3 && (!best || distance < best.distance)) best = { name: flag.name, distance };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

export function parseFlags(role: Role, argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ParsedFlags {
  const errors: string[] = [];
  const notices: string[] = [];
  const positionals: string[] = [];
  const values = new Map<string, FlagValue>();
  const sources = new Map<string, 'default' | 'env' | 'flag'>();
  const fromCommandLine = new Map<string, FlagValue>();
  let help = false;

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg === '-h' || arg === '--help') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      if (arg.startsWith('-') && arg.length > 1) errors.push(`${arg}: flags take two dashes (--name=value)`);
      else positionals.push(arg);
      continue;
    }
    const body = arg.slice(2);
    const eq = body.indexOf('=');
    const name = eq === -1 ? body : body.slice(0, eq);
    const flag = FLAGS_BY_NAME.get(name);
    if (!flag) {
      const hint = closest(name);
      errors.push(`--${name}: unknown flag${hint ? ` (did you mean --${hint}?)` : ''}`);
      if (eq === -1 && argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--')) i++;
      continue;
    }
    let raw: string | undefined;
    if (eq !== -1) raw = body.slice(eq + 1);
    else if (flag.kind === 'bool') raw = 'true';
    else if (argv[i + 1] !== undefined) raw = argv[++i];
    if (raw === undefined) {
      errors.push(`--${name}: needs a value`);
      continue;
    }
    if (!flag.roles.includes(role)) {
      if (flag.kured || flag.roles.includes('controller') || flag.roles.includes('agent')) {
        notices.push(`--${name} takes effect in the ${flag.roles.join(' and ')}; the ${role} ignores it`);
      } else {
        errors.push(`--${name}: not a flag of the ${role}`);
      }
      continue;
    }
    const value = convert(flag, raw, `--${name}`, errors);
    if (value === undefined) continue;
    const earlier = fromCommandLine.get(name);
    if (isRepeatable(flag) && Array.isArray(earlier) && Array.isArray(value)) fromCommandLine.set(name, [...earlier, ...value]);
    else fromCommandLine.set(name, value);
  }

  for (const flag of FLAGS) {
    if (!flag.roles.includes(role)) continue;
    const given = fromCommandLine.get(flag.name);
    if (given !== undefined) {
      values.set(flag.name, given);
      sources.set(flag.name, 'flag');
      continue;
    }
    const envName = envNames(flag).find((candidate) => env[candidate] !== undefined && env[candidate] !== '');
    if (envName !== undefined) {
      const raw = env[envName]!;
      const parts =
        flag.kind === 'array'
          ? raw
              .split('\n')
              .map((line) => line.trim())
              .filter(Boolean)
          : [raw];
      const converted = parts.map((part) => convert(flag, part, envName, errors));
      if (converted.every((value) => value !== undefined)) {
        values.set(flag.name, isRepeatable(flag) ? (converted as string[][]).flat() : converted[0]!);
        sources.set(flag.name, 'env');
        continue;
      }
    }
    values.set(flag.name, defaultValue(flag));
    sources.set(flag.name, 'default');
  }
  return { values, sources, positionals, errors, notices, help };
}

function defaultValue(flag: FlagSpec): FlagValue {
  const value = flag.default;
  return Array.isArray(value) ? [...value] : (value as FlagValue);
}

/** `--help` text for one role: every flag with its default. */
/** A command's help: what it does (`description`), then every flag of its role with its values and default. */
export function usage(role: Role, synopsis: string, description?: string): string {
  const lines = [`Usage: ${synopsis}`, ...(description ? ['', description] : [])];
  lines.push('', 'Flags (also KREBOOT_<NAME> or KURED_<NAME> in the environment; the command line wins):');
  for (const flag of FLAGS) {
    if (!flag.roles.includes(role)) continue;
    const value = flag.kind === 'bool' ? '' : flag.kind === 'int' ? ' int' : flag.kind === 'duration' ? ' duration' : ' string';
    // Array values may contain commas (selectors, matcher sets): quote each one instead of joining.
    const shown = Array.isArray(flag.default)
      ? flag.kind === 'array'
        ? flag.default.map((v) => `'${v}'`).join(' ')
        : flag.default.join(',')
      : String(flag.default);
    const repeat = flag.kind === 'list' || flag.kind === 'array' ? ' (repeatable)' : '';
    const choices = flag.choices ? `; one of ${flag.choices.join(', ')}` : '';
    lines.push(`  --${flag.name}${value}`, `      ${flag.help}${choices}${repeat} (default ${shown === '' ? '""' : shown})`);
  }
  return lines.join('\n');
}
