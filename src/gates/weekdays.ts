// kured's --reboot-days: day names (su, sun, sunday, ... in any case) or numbers 0-6 (0 = Sunday).

import { failure, success, type Result } from '../result.ts';

const NAMES = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
export const DAY_SHORT = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function parseDay(text: string): number | undefined {
  const day = text.trim().toLowerCase();
  if (/^\d+$/.test(day)) {
    const n = Number(day);
    return n < 7 ? n : undefined;
  }
  for (let i = 0; i < 7; i++) {
    const name = NAMES[i]!;
    if (day === name || day === name.slice(0, 2) || day === name.slice(0, 3)) return i;
  }
  return undefined;
}

export function parseWeekdays(days: readonly string[]): Result<ReadonlySet<number>> {
  const out = new Set<number>();
  for (const text of days) {
    const day = parseDay(text);
    if (day === undefined) return failure(`"${text}" is not a day (su, sun, sunday … sa, or 0-6)`);
    out.add(day);
  }
  if (out.size === 0) return failure('no day given: reboots could never start');
  return success(out);
}
