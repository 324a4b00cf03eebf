// What a node remembers of the remediation alerts it was rebooted for (annotation
// kreboot.dev/remediated). Alertmanager re-sends a firing alert every repeat_interval with the same
// fingerprint and startsAt; without this memory each re-send after a completed reboot would be a new
// request and reboot the node again. A new firing episode (a new startsAt) is honoured, up to a cap
// per alert within the remembered window, so a flapping remediation alert cannot reboot a node
// without end.

import { parseJson } from './parse-json.ts';

export interface RemediatedEpisode {
  readonly fingerprint: string;
  /** Alertmanager's startsAt of the episode. */
  readonly startsAt: string;
  /** RFC 3339: when the reboot for it completed. */
  readonly at: string;
}

/** Episodes older than this are forgotten; the cap counts episodes within it. */
const REMEMBER_MS = 24 * 60 * 60_000;
const MAX_REMEMBERED = 20;

export function parseRemediated(text: string | undefined): RemediatedEpisode[] {
  const value = text ? parseJson(text) : undefined;
  if (!Array.isArray(value)) return [];
  return value.filter(
    (item): item is RemediatedEpisode =>
      typeof item === 'object' &&
      item !== null &&
      typeof item.fingerprint === 'string' &&
      typeof item.startsAt === 'string' &&
      typeof item.at === 'string',
  );
}

/** The memory after a completed reboot for this episode: old entries dropped, newest kept. */
export function remember(memory: readonly RemediatedEpisode[], episode: RemediatedEpisode, now: Date): RemediatedEpisode[] {
  const recent = memory.filter((item) => now.getTime() - Date.parse(item.at) < REMEMBER_MS);
  return [...recent, episode].slice(-MAX_REMEMBERED);
}

/** Why a remediation request must be ignored, or undefined if it is a new episode within the cap. */
export function remediationRefusal(
  memory: readonly RemediatedEpisode[],
  alert: { fingerprint?: string; startsAt?: string },
  cap: number,
  now: Date,
): string | undefined {
  if (!alert.fingerprint) return undefined;
  const recent = memory.filter((item) => item.fingerprint === alert.fingerprint && now.getTime() - Date.parse(item.at) < REMEMBER_MS);
  if (alert.startsAt && recent.some((item) => item.startsAt === alert.startsAt))
    return 'already rebooted for this firing of the alert (Alertmanager re-sent it)';
  if (recent.length >= cap)
    return `rebooted ${recent.length} times for this alert in the last 24 h (the cap); reboot by hand with "kreboot reboot NODE" if it is really needed`;
  return undefined;
}
