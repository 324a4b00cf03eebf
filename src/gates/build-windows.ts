// Turns config.window into Window objects, collecting every problem (bad day, time, zone, cron).

import { collectAll } from '../result.ts';
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
  if (!days.ok) problems.push(`--reboot-days: ${days.error}`);
  const start = parseTimeOfDay(config.startTime);
  if (!start.ok) problems.push(`--start-time: ${start.error}`);
  const end = parseTimeOfDay(config.endTime);
  if (!end.ok) problems.push(`--end-time: ${end.error}`);
  const cron = collectAll(config.maintenanceWindows, '--maintenance-window', (text) => parseCronWindow(text, timeZone));
  problems.push(...cron.problems);
  const windows: Window[] = cron.values;
  if (days.ok && start.ok && end.ok) {
    const spec = { days: days.value, startMs: start.value, endMs: end.value, timeZone };
    if (!isAlwaysOpen(spec) || config.maintenanceWindows.length === 0) windows.unshift(kuredWindow(spec));
  }
  return { windows, problems };
}
