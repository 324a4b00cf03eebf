// --maintenance-window "<cron> <duration>": open from each time the cron expression fires for the
// duration (e.g. "0 22 * * 1-5 4h": weekdays 22:00 to 02:00). Five fields, or six with seconds, or
// a cron-parser shortcut (@daily). Daylight-saving handling is cron-parser's: a fire time in the
// spring gap moves past the gap, one in the repeated autumn hour fires at its first occurrence.

import { CronExpressionParser } from 'cron-parser';
import { formatDuration, parseDuration } from '../config/duration.ts';
import { failure, success, type Result } from '../result.ts';
import type { Window } from './window.ts';

export function parseCronWindow(text: string, timeZone: string): Result<Window> {
  const tokens = text.trim().split(/\s+/);
  const durationText = tokens.pop() ?? '';
  const cron = tokens.join(' ');
  const fields = tokens.length;
  if (!(fields === 5 || fields === 6 || (fields === 1 && cron.startsWith('@')))) {
    return failure(`"${text}": expected "<cron with 5 or 6 fields> <duration>", e.g. "0 22 * * 1-5 4h"`);
  }
  const durationMs = parseDuration(durationText);
  if (durationMs === undefined || durationMs <= 0) return failure(`"${text}": "${durationText}" is not a positive duration (e.g. 4h, 90m)`);
  const at = (instant: number) => CronExpressionParser.parse(cron, { currentDate: new Date(instant), tz: timeZone });
  try {
    at(Date.now()).next();
  } catch (error) {
    return failure(`"${text}": ${(error as Error).message}`);
  }
  const lastFire = (instant: number): number | undefined => {
    // prev() is exclusive: +1 ms counts a fire at exactly `instant`. The latest fire has the latest
    // end (all windows last the same), so it alone decides whether we are inside.
    try {
      return at(instant + 1)
        .prev()
        .getTime();
    } catch {
      return undefined; // no earlier fire (e.g. a year-bounded expression)
    }
  };
  return success({
    description: `${cron} for ${formatDuration(durationMs)} (${timeZone})`,
    contains(instant) {
      const fire = lastFire(instant);
      return fire !== undefined && instant < fire + durationMs;
    },
    nextOpening(instant) {
      try {
        return at(instant).next().getTime();
      } catch {
        return undefined;
      }
    },
  });
}
