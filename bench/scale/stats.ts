// Small numeric helpers for bench/scale.ts: percentiles of samples, histogram quantiles from
// Prometheus bucket deltas, and the controller's audit entries counted by verb and resource.

import { readFileSync } from 'node:fs';

/** Nearest-rank percentile (p in 0..100) of unsorted samples; undefined when there are none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

/** One scrape of a Prometheus histogram (cumulative buckets) and a counter. */
export interface HistogramScrape {
  readonly buckets: ReadonlyMap<number, number>; // le → cumulative count (le=+Inf as Infinity)
  readonly count: number;
  readonly sum: number;
}

function sampleValue(text: string, pattern: RegExp): number | undefined {
  const match = pattern.exec(text);
  return match ? Number(match[1]) : undefined;
}

export function parseHistogram(text: string, name: string): HistogramScrape {
  const buckets = new Map<number, number>();
  const bucketLine = new RegExp(`^${name}_bucket\\{le="([^"]+)"\\} (\\S+)$`, 'gm');
  for (const match of text.matchAll(bucketLine)) buckets.set(match[1] === '+Inf' ? Infinity : Number(match[1]), Number(match[2]));
  return {
    buckets,
    count: sampleValue(text, new RegExp(`^${name}_count (\\S+)$`, 'm')) ?? 0,
    sum: sampleValue(text, new RegExp(`^${name}_sum (\\S+)$`, 'm')) ?? 0,
  };
}

export function parseCounter(text: string, name: string): number {
  return sampleValue(text, new RegExp(`^${name} (\\S+)$`, 'm')) ?? 0;
}

/**
 * Quantiles of the observations made between two scrapes, as the upper bound of the bucket that
 * holds them (a bucketed histogram cannot say more): p50, p99 and the max's bucket, plus the mean
 * from the sums, which is exact.
 */
export interface HistogramDelta {
  readonly count: number;
  readonly meanMs: number | undefined;
  readonly p50LeMs: number | undefined;
  readonly p99LeMs: number | undefined;
  readonly maxLeMs: number | undefined;
}

export function histogramDelta(before: HistogramScrape, after: HistogramScrape): HistogramDelta {
  const count = after.count - before.count;
  const bounds = [...after.buckets.keys()].sort((a, b) => a - b);
  const cumulative = bounds.map((le) => (after.buckets.get(le) ?? 0) - (before.buckets.get(le) ?? 0));
  const quantile = (q: number) => {
    if (count <= 0) return undefined;
    const target = q * count;
    const index = cumulative.findIndex((value) => value >= target);
    return index < 0 ? undefined : bounds[index]! * 1000;
  };
  const maxIndex = cumulative.findIndex((value) => value >= count);
  return {
    count,
    meanMs: count > 0 ? ((after.sum - before.sum) / count) * 1000 : undefined,
    p50LeMs: quantile(0.5),
    p99LeMs: quantile(0.99),
    maxLeMs: count > 0 && maxIndex >= 0 ? bounds[maxIndex]! * 1000 : undefined,
  };
}

export interface AuditEntry {
  readonly at: number;
  readonly key: string; // "verb resource[/subresource]"
}

/** The audit log's entries for one user, with their receive time (epoch ms). */
export function readAudit(path: string, user: string): AuditEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  const entries: AuditEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const event = JSON.parse(line) as {
      verb: string;
      user: { username: string };
      requestReceivedTimestamp: string;
      objectRef?: { resource?: string; subresource?: string };
    };
    if (event.user.username !== user) continue;
    const resource = `${event.objectRef?.resource ?? '?'}${event.objectRef?.subresource ? `/${event.objectRef.subresource}` : ''}`;
    entries.push({ at: Date.parse(event.requestReceivedTimestamp), key: `${event.verb} ${resource}` });
  }
  return entries;
}

export function countByKey(entries: readonly AuditEntry[], from: number, to: number, exclude?: RegExp): Record<string, number> {
  const counts = new Map<string, number>();
  for (const entry of entries) {
    if (entry.at < from || entry.at > to || exclude?.test(entry.key)) continue;
    counts.set(entry.key, (counts.get(entry.key) ?? 0) + 1);
  }
  return Object.fromEntries([...counts.entries()].sort((a, b) => b[1] - a[1]));
}

export const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);
