// The Alertmanager webhook payload (version "4"), validated before anything is acted on so a bad
// payload changes nothing. Only the fields kreboot reads are typed strictly; others pass through so
// a newer Alertmanager that adds fields keeps working.

import { failure, success, type Result } from '../result.ts';
import { z } from 'zod';

const labelSet = z.record(z.string(), z.string());

const alert = z.looseObject({
  status: z.enum(['firing', 'resolved']),
  labels: labelSet,
  annotations: labelSet.optional(),
  startsAt: z.string().optional(),
  endsAt: z.string().optional(),
  generatorURL: z.string().optional(),
  fingerprint: z.string().optional(),
});

const alertPayloadSchema = z.looseObject({
  version: z.string(),
  groupKey: z.string().optional(),
  truncatedAlerts: z.number().int().nonnegative().optional(),
  status: z.enum(['firing', 'resolved']).optional(),
  receiver: z.string().optional(),
  groupLabels: labelSet.optional(),
  commonLabels: labelSet.optional(),
  commonAnnotations: labelSet.optional(),
  externalURL: z.string().optional(),
  alerts: z.array(alert),
});

export type AlertPayload = z.infer<typeof alertPayloadSchema>;

/** Validates a parsed JSON body; the error names the first offending field, e.g. `alerts[3].labels.node`. */
export function parseAlertPayload(body: unknown): Result<AlertPayload> {
  const result = alertPayloadSchema.safeParse(body);
  if (result.success) return success(result.data);
  const issue = result.error.issues[0];
  if (!issue) return failure('invalid payload');
  const field = formatPath(issue.path);
  return failure(`${field === '' ? 'payload' : field}: ${issue.message}`);
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
