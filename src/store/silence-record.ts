// The Node's record of the Alertmanager silences kreboot created for its reboot (CONTROLLER.silences,
// a JSON list of IDs). Read when the node is done or has failed, so a controller restart in between
// still expires them. The cordon records SILENCED_BY_LOOKUP instead of IDs: its silences are made
// after the cordon lands (a silence asked for before it would outlive a start that never landed, the
// controller killed in between), so the record says "find kreboot's silences of this node by their
// matchers"; the reboot job's write records the IDs themselves.

import type { AnnotationChanges } from '../kube/annotations.ts';
import { CONTROLLER } from './keys.ts';
import { parseJson } from './parse-json.ts';

/** The recorded IDs; an absent or unreadable record is an empty list (the silencer then finds them by matchers). */
export function recordedSilences(annotations: Readonly<Record<string, string>> | undefined): string[] {
  const text = annotations?.[CONTROLLER.silences];
  const value = text ? parseJson(text) : undefined;
  return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string' && id !== '') : [];
}

/** Recorded with the cordon: the node's silences are found by their matchers (node-silencer.ts). */
export const SILENCED_BY_LOOKUP = 'by-matchers';

/** Whether a recorded entry is a silence's ID (not SILENCED_BY_LOOKUP). */
export function isSilenceId(entry: string): boolean {
  return entry !== SILENCED_BY_LOOKUP;
}

/** The annotation change recording `ids` (null removes the record once they are expired). */
export function silencesAnnotation(ids: readonly string[]): AnnotationChanges {
  return { [CONTROLLER.silences]: ids.length === 0 ? null : JSON.stringify([...new Set(ids)]) };
}
