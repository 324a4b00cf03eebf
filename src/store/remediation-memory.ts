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

/**
 * The episode a remediation alert belongs to. `fingerprint` and `startsAt` are optional in the
 * webhook payload: a sender that leaves them out would otherwise make every delivery a new episode
 * (four deliveries, four reboots), so such an alert is one episode per alert name on this node,
 * refused as a re-send for as long as the memory lasts and counted against the cap.
 */
export function remediationEpisode(alert: { alertname?: string; fingerprint?: string; startsAt?: string }): {
  fingerprint: string;
  startsAt: string;
} {
  return {
    fingerprint: alert.fingerprint || `alertname:${alert.alertname ?? ''}`,
    startsAt: alert.startsAt || 'unknown',
  };
}

/** Why a remediation request must be ignored, or undefined if it is a new episode within the cap. */
export function remediationRefusal(
  memory: readonly RemediatedEpisode[],
  alert: { alertname?: string; fingerprint?: string; startsAt?: string },
  cap: number,
  now: Date,
): string | undefined {
  const episode = remediationEpisode(alert);
  const recent = memory.filter((item) => item.fingerprint === episode.fingerprint && now.getTime() - Date.parse(item.at) < REMEMBER_MS);
  if (recent.some((item) => item.startsAt === episode.startsAt))
    return 'already rebooted for this firing of the alert (Alertmanager re-sent it)';
  if (recent.length >= cap)
    return `rebooted ${recent.length} times for this alert in the last 24 h (the cap); reboot by hand with "kreboot reboot NODE" if it is really needed`;
  return undefined;
}
