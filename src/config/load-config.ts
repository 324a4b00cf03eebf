// Typed, frozen configuration for each role, built once from the parsed flags. Checks that need
// only the flag values live here; checks that need a concern's own parser (windows, notify URLs,
// selectors) run where that concern is built, and main reports all problems together.

import { parseDuration } from './duration.ts';
import type { Role } from './flags.ts';
import { parseFlags, type FlagValue, type ParsedFlags } from './parse-flags.ts';

export type LogFormat = 'json' | 'text';

/** A flag-reading view that records problems instead of throwing. */
export class FlagReader {
  readonly problems: string[];
  private readonly parsed: ParsedFlags;

  constructor(parsed: ParsedFlags) {
    this.parsed = parsed;
    this.problems = [...parsed.errors];
  }

  private raw(name: string): FlagValue {
    const value = this.parsed.values.get(name);
    if (value === undefined) throw new Error(`flag --${name} is not defined for this role`);
    return value;
  }

  string(name: string): string {
    return String(this.raw(name));
  }
  bool(name: string): boolean {
    return this.raw(name) === true;
  }
  int(name: string, min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER): number {
    const value = Number(this.raw(name));
    if (value < min || value > max) this.problems.push(`--${name}: ${value} is out of range (${min}..${max})`);
    return value;
  }
  /** Milliseconds. */
  duration(name: string, { allowNegative = false } = {}): number {
    const value = parseDuration(String(this.raw(name))) ?? 0;
    if (value < 0 && !allowNegative) this.problems.push(`--${name}: must not be negative`);
    return value;
  }
  list(name: string): string[] {
    const value = this.raw(name);
    return Array.isArray(value) ? value : [String(value)];
  }
  regexp(name: string): RegExp | undefined {
    const text = this.string(name);
    if (text === '') return undefined;
    try {
      return new RegExp(text);
    } catch (error) {
      this.problems.push(`--${name}: "${text}" is not a valid regular expression (${(error as Error).message})`);
      return undefined;
    }
  }
  /** key=value pairs (kured crashed on a label without "="). */
  labels(name: string): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const item of this.list(name)) {
      const eq = item.indexOf('=');
      if (eq <= 0) {
        this.problems.push(`--${name}: "${item}" is not key=value`);
        continue;
      }
      labels[item.slice(0, eq)] = item.slice(eq + 1);
    }
    return labels;
  }
  url(name: string): URL | undefined {
    const text = this.string(name);
    if (text === '') return undefined;
    try {
      const url = new URL(text);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme must be http or https');
      return url;
    } catch (error) {
      this.problems.push(`--${name}: "${text}" is not an http(s) URL (${(error as Error).message})`);
      return undefined;
    }
  }
  source(name: string): 'default' | 'env' | 'flag' | undefined {
    return this.parsed.sources.get(name);
  }
}

export interface CommonConfig {
  readonly logFormat: LogFormat;
  readonly logLevel: string;
  readonly metricsHost: string;
  readonly metricsPort: number;
  readonly kubeconfig: string;
}

export interface Loaded<T> {
  readonly config: T;
  readonly problems: readonly string[];
  readonly notices: readonly string[];
  readonly help: boolean;
  readonly positionals: readonly string[];
  /** Lets each concern's builder add its own problems before main reports them all. */
  readonly reader: FlagReader;
}

export function readFlags(
  role: Role,
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): { reader: FlagReader; parsed: ParsedFlags } {
  const parsed = parseFlags(role, argv, env);
  return { reader: new FlagReader(parsed), parsed };
}

export function commonConfig(reader: FlagReader): CommonConfig {
  return {
    logFormat: reader.string('log-format') as LogFormat,
    logLevel: reader.string('log-level'),
    metricsHost: reader.string('metrics-host'),
    metricsPort: reader.int('metrics-port', 0, 65535),
    kubeconfig: reader.string('kubeconfig'),
  };
}
