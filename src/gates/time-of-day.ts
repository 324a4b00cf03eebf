// Times of day as kured's --start-time/--end-time take them, without kured's parsing traps: "17:00",
// "17:00:00", "5:00pm", "5:00 PM", "5pm", "5PM", "05pm", "17", "0:00". kured (Go's time.Parse) rejected
// "5:00pm" and "5PM"; here any case and an optional space before am/pm work.

import { failure, success, type Result } from '../result.ts';

const CLOCK = /^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*(am|pm)?$/i;

/** Milliseconds after midnight, or an error message. */
export function parseTimeOfDay(text: string): Result<number> {
  const match = CLOCK.exec(text.trim());
  if (!match) return failure(`"${text}" is not a time of day (try 17:00, 17:00:00, 5pm or 5:00pm)`);
  let hour = Number(match[1]);
  const minute = Number(match[2] ?? 0);
  const second = Number(match[3] ?? 0);
  const meridiem = match[4]?.toLowerCase();
  if (meridiem) {
    if (hour < 1 || hour > 12) return failure(`"${text}": the hour must be 1-12 with am/pm`);
    hour = (hour % 12) + (meridiem === 'pm' ? 12 : 0);
  }
  if (hour > 23 || minute > 59 || second > 59) return failure(`"${text}" is out of range`);
  return success(((hour * 60 + minute) * 60 + second) * 1000);
}

export function formatTimeOfDay(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}${s % 60 ? `:${pad(s % 60)}` : ''}`;
}
