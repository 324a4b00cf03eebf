// Words and numbers for people, shared by the status page and `kreboot status`: durations as
// "1 h 4 m" / "42 s", moments as "12 s ago" / "in 3 m", and each phase and gate in plain words.

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return seconds % 60 === 0 || minutes >= 10 ? `${minutes} m` : `${minutes} m ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} m`;
  return `${Math.floor(hours / 24)} d`;
}

/** "12 s ago", "in 3 m": the same words the page's script keeps current. */
export function formatRelative(iso: string | undefined, now: Date): string {
  if (!iso) return '';
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const delta = at - now.getTime();
  if (Math.abs(delta) < 1000) return 'now';
  return delta > 0 ? `in ${formatDuration(delta)}` : `${formatDuration(-delta)} ago`;
}

/** Time of day in UTC, "21:04:05", for a line that also says how long ago. */
export function formatClock(iso: string | undefined): string {
  if (!iso) return '';
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : at.toISOString().slice(11, 19);
}

export const PHASE_WORDS: Readonly<Record<string, string>> = {
  idle: 'reboot required, not requested',
  queued: 'queued',
  waiting: 'waiting',
  cordoned: 'cordoned',
  draining: 'draining',
  rebooting: 'rebooting',
  verifying: 'verifying',
  done: 'done',
  failed: 'failed',
};

export const GATE_WORDS: Readonly<Record<string, string>> = {
  'maintenance-window': 'maintenance window closed',
  'prometheus-alerts': 'alerts firing',
  'prometheus-query': 'Prometheus query',
  'blocking-pods': 'blocking pods',
  paused: 'rollout paused',
  halted: 'rollout halted',
  recovering: 'waiting on a node being recovered',
  lock: 'lock unavailable',
};

/** The command that lifts a halt or pause, for the controller at `server`. */
export function resumeCommand(server: string | undefined): string {
  return `kreboot resume${server ? ` --server=${server}` : ''} --token-file=<admin token file>`;
}
