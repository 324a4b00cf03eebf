// kured's window: --reboot-days, --start-time, --end-time in --time-zone, with kured's semantics
// (pkg/timewindow): the day is the weekday of the moment itself, the start is inclusive, the end
// inclusive to its last millisecond, and an end before the start wraps across midnight (on a listed
// day, open from the start until midnight and from midnight until the end). Times are wall-clock
// times, so a daylight-saving change moves the window with the clocks.

import { DAY_SHORT } from './weekdays.ts';
import { formatTimeOfDay } from './time-of-day.ts';
import type { Window } from './window.ts';
import { instantOfWall, instantsOfWall, offsetAt, wallMidnight, wallTime } from './zoned-time.ts';

export interface KuredWindowSpec {
  readonly days: ReadonlySet<number>;
  readonly startMs: number;
  readonly endMs: number;
  readonly timeZone: string;
}

const DAY = 86_400_000;

export function isAlwaysOpen(spec: KuredWindowSpec): boolean {
  return spec.days.size === 7 && spec.startMs === 0 && spec.endMs >= DAY - 1000;
}

export function kuredWindow(spec: KuredWindowSpec): Window {
  const { days, startMs, timeZone } = spec;
  const endExclusive = spec.endMs + 1000; // kured: the end second is inside, to its last fraction
  const wraps = startMs > spec.endMs;
  const contains = (instant: number): boolean => {
    const wall = wallTime(instant, timeZone);
    if (!days.has(wall.weekday)) return false;
    return wraps ? wall.msOfDay >= startMs || wall.msOfDay < endExclusive : wall.msOfDay >= startMs && wall.msOfDay < endExclusive;
  };
  const nextOpening = (instant: number): number | undefined => {
    // Membership can only change at a local midnight (the weekday), at the start time, or when the
    // clocks jump (a daylight-saving change moves the wall time into or out of the range). The
    // first such candidate after `instant` that is inside is the exact opening.
    for (let k = 0; k <= 8; k++) {
      const midnight = wallMidnight(instant, timeZone, k);
      const dayStart = instantOfWall(midnight, timeZone);
      const dayEnd = instantOfWall(midnight + DAY, timeZone);
      // The start time happens twice on the autumn day the clocks go back: both count.
      const candidates = [dayStart, ...instantsOfWall(midnight + startMs, timeZone)];
      const jump = clockJump(dayStart, dayEnd, timeZone);
      if (jump !== undefined) candidates.push(jump);
      candidates.sort((a, b) => a - b);
      for (const candidate of candidates) if (candidate > instant && contains(candidate)) return candidate;
    }
    return undefined;
  };
  const dayList = [...days]
    .sort()
    .map((d) => DAY_SHORT[d])
    .join(',');
  return { description: `${dayList} ${formatTimeOfDay(startMs)}–${formatTimeOfDay(spec.endMs)} ${timeZone}`, contains, nextOpening };
}

/** The instant the UTC offset changes within [from, to), if it does (at most once a day). */
function clockJump(from: number, to: number, timeZone: string): number | undefined {
  const offset = (t: number) => offsetAt(t, timeZone);
  const before = offset(from);
  if (offset(to - 1) === before) return undefined;
  let lo = from;
  let hi = to - 1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offset(mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}
