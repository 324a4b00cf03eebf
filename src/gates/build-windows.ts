// Turns config.window into Window objects, collecting every problem (bad day, time, zone, cron).

import { isAlwaysOpen, kuredWindow } from './kured-window.ts';
import { parseCronWindow } from './cron-window.ts';
import { parseTimeOfDay } from './time-of-day.ts';
import { parseWeekdays } from './weekdays.ts';
import type { Window } from './window.ts';
import { resolveTimeZone } from './zoned-time.ts';

export interface WindowConfig {
  readonly rebootDays: readonly string[];
  readonly startTime: string;
  readonly endTime: string;
  readonly timeZone: string;
  readonly maintenanceWindows: readonly string[];
}

export function buildWindows(config: WindowConfig): { windows: Window[]; problems: string[] } {
  const problems: string[] = [];
  let timeZone = 'UTC';
  try {
    timeZone = resolveTimeZone(config.timeZone);
  } catch {
    problems.push(`--time-zone: "${config.timeZone}" is not an IANA time zone (e.g. Europe/Berlin, UTC, Local)`);
  }
  const days = parseWeekdays(config.rebootDays);
  if ('error' in days) problems.push(`--reboot-days: ${days.error}`);
  const start = parseTimeOfDay(config.startTime);
  if ('error' in start) problems.push(`--start-time: ${start.error}`);
  const end = parseTimeOfDay(config.endTime);
  if ('error' in end) problems.push(`--end-time: ${end.error}`);
  const windows: Window[] = [];
  for (const text of config.maintenanceWindows) {
    const parsed = parseCronWindow(text, timeZone);
    if ('error' in parsed) problems.push(`--maintenance-window: ${parsed.error}`);
    else windows.push(parsed.window);
  }
  if ('days' in days && 'ms' in start && 'ms' in end) {
    const spec = { days: days.days, startMs: start.ms, endMs: end.ms, timeZone };
    if (!isAlwaysOpen(spec) || config.maintenanceWindows.length === 0) windows.unshift(kuredWindow(spec));
  }
  return { windows, problems };
}
