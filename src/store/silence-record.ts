// The Node's record of the Alertmanager silences kreboot created for its reboot (CONTROLLER.silences,
// a JSON list of IDs). Written in the same patch that moves the node on after silencing, read when
// the node is done or has failed, so a controller restart in between still expires them.

import type { AnnotationChanges } from '../kube/annotations.ts';
import { CONTROLLER } from './keys.ts';
import { parseJson } from './parse-json.ts';

/** The recorded IDs; an absent or unreadable record is an empty list (the silencer then finds them by matchers). */
export function recordedSilences(annotations: Readonly<Record<string, string>> | undefined): string[] {
  const text = annotations?.[CONTROLLER.silences];
  const value = text ? parseJson(text) : undefined;
  return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string' && id !== '') : [];
}

/** The annotation change recording `ids` (null removes the record once they are expired). */
export function silencesAnnotation(ids: readonly string[]): AnnotationChanges {
  return { [CONTROLLER.silences]: ids.length === 0 ? null : JSON.stringify([...new Set(ids)]) };
}
