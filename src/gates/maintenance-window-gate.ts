// The maintenance-window gate: kured's days/start/end window and any --maintenance-window cron
// windows. Reboots may start inside ANY of them (OR). kured's window at its defaults (every day,
// all day) means "no restriction"; with cron windows given it is then left out, so the cron
// windows alone decide. Closed → blocked with retryAt at the exact next opening.

import { blocked, OPEN, type Gate } from './gate.ts';
import type { Window } from './window.ts';

export const MAINTENANCE_WINDOW_GATE = 'maintenance-window';

export function maintenanceWindowGate(windows: readonly Window[]): Gate {
  const description = windows.map((w) => w.description).join(' or ');
  return {
    name: MAINTENANCE_WINDOW_GATE,
    async evaluate({ now }) {
      const t = now.getTime();
      if (windows.length === 0 || windows.some((w) => w.contains(t))) return () => OPEN;
      const openings = windows.map((w) => w.nextOpening(t)).filter((x): x is number => x !== undefined);
      const next = openings.length > 0 ? new Date(Math.min(...openings)) : undefined;
      const verdict = blocked(
        MAINTENANCE_WINDOW_GATE,
        `outside the maintenance window (${description})${next ? `; opens at ${next.toISOString()}` : '; never opens'}`,
        next,
      );
      return () => verdict;
    },
  };
}
