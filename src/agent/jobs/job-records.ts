// Reads the job records of ADR 0002 from a Node's annotations. Malformed JSON yields an "invalid"
// marker, never an exception: a garbled record means "do nothing", not a crash.

import { AGENT, CONTROLLER, type JobStatus, type RebootJob } from '../../store/keys.ts';

export type Parsed<T> = { readonly kind: 'absent' } | { readonly kind: 'invalid'; readonly raw: string } | { readonly kind: 'ok'; readonly value: T };

type Annotations = Readonly<Record<string, string>> | undefined;

const STATES = new Set(['acknowledged', 'started', 'failed']);

function parseJson(raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return null;
  }
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

export function readJob(annotations: Annotations): Parsed<RebootJob> {
  const raw = annotations?.[CONTROLLER.rebootJob];
  if (raw === undefined) return { kind: 'absent' };
  const value = parseJson(raw) as Partial<RebootJob> | null;
  if (!value || !isText(value.id) || !isText(value.bootIdBefore) || typeof value.createdAt !== 'string') return { kind: 'invalid', raw };
  const notAfter = typeof value.notAfter === 'string' ? { notAfter: value.notAfter } : {};
  return { kind: 'ok', value: { id: value.id, createdAt: value.createdAt, bootIdBefore: value.bootIdBefore, ...notAfter } };
}

export function readJobStatus(annotations: Annotations): Parsed<JobStatus> {
  const raw = annotations?.[AGENT.jobStatus];
  if (raw === undefined) return { kind: 'absent' };
  const value = parseJson(raw) as Partial<JobStatus> | null;
  if (!value || !isText(value.id) || !STATES.has(value.state ?? '') || typeof value.bootId !== 'string') return { kind: 'invalid', raw };
  return { kind: 'ok', value: value as JobStatus };
}

export function jobStatusAnnotation(status: JobStatus): Record<string, string> {
  return { [AGENT.jobStatus]: JSON.stringify(status) };
}
