// Wall-clock arithmetic in an IANA time zone with Intl only: the wall time of an instant, and the
// instant of a wall time. Daylight-saving rules: a wall time that happens twice (autumn) maps to
// its first occurrence; one that does not exist (spring gap) maps to the moment the clocks jump,
// i.e. the first instant whose wall time is at or after it.

export interface WallTime {
  readonly year: number;
  readonly month: number; // 1..12
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday, as kured (Go's time.Weekday). */
  readonly weekday: number;
  /** Milliseconds since local midnight. */
  readonly msOfDay: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Resolves kured's "Local" to the process's zone; throws a RangeError for an unknown zone. */
export function resolveTimeZone(name: string): string {
  const zone = name === 'Local' || name === '' ? Intl.DateTimeFormat().resolvedOptions().timeZone : name;
  return formatter(zone).resolvedOptions().timeZone;
}

/** The wall time expressed as if it were UTC: handy for day arithmetic without zones. */
function wallAsUtc(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const whole = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return whole + (((instant % 1000) + 1000) % 1000);
}

export function wallTime(instant: number, timeZone: string): WallTime {
  const d = new Date(wallAsUtc(instant, timeZone));
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    weekday: d.getUTCDay(),
    msOfDay: d.getTime() % 86_400_000,
  };
}

/** The zone's UTC offset at an instant, in milliseconds (east positive). */
export function offsetAt(instant: number, timeZone: string): number {
  return wallAsUtc(instant, timeZone) - instant;
}

/**
 * Every instant whose wall time is `wall` (a Date.UTC of the wall fields): one normally, two in the
 * repeated autumn hour, and in the spring gap the one instant the clocks jump past it.
 */
export function instantsOfWall(wall: number, timeZone: string): number[] {
  // Any transition near this wall time lies within a day of it; zones have at most one there.
  const offsets = [...new Set([offsetAt(wall - 86_400_000, timeZone), offsetAt(wall, timeZone), offsetAt(wall + 86_400_000, timeZone)])];
  const exact = [...new Set(offsets.map((o) => wall - o).filter((i) => wallAsUtc(i, timeZone) === wall))].sort((a, b) => a - b);
  if (exact.length > 0) return exact;
  // In a gap: the jump lies between the instants given by the two offsets; find it by bisection.
  let lo = wall - Math.max(...offsets);
  let hi = wall - Math.min(...offsets);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (wallAsUtc(mid, timeZone) >= wall) hi = mid;
    else lo = mid;
  }
  return [hi];
}

/** The first instant whose wall time is at or after `wall` (see instantsOfWall). */
export function instantOfWall(wall: number, timeZone: string): number {
  return instantsOfWall(wall, timeZone)[0]!;
}

/** Date.UTC-style wall timestamp of local midnight for the calendar day `days` after `instant`'s. */
export function wallMidnight(instant: number, timeZone: string, days = 0): number {
  const w = wallTime(instant, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day + days);
}
