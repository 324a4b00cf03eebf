// The reboot job protocol of ADR 0002: the job the controller hands to a node's agent and the
// agent's status of it, with their parsers. Both sides read both records.

import { AGENT, CONTROLLER } from './keys.ts';
import { parseJsonRecord, type Parsed } from './parse-json.ts';

/** A reboot job the controller hands to a node's agent. */
export interface RebootJob {
  readonly id: string;
  readonly createdAt: string;
  /** The boot ID when the job was created: once the node reports another, the job is done. */
  readonly bootIdBefore: string;
  /**
   * RFC 3339: the agent does not start the job after this (the controller's reboot timeout). The
   * controller removes a timed-out job too; this covers an agent that starts late in the same boot.
   */
  readonly notAfter?: string;
  /**
   * The node's pool (docs/pools.md), absent for the default pool: the agent reboots with that
   * pool's method from its own copy of the pools file. A name, never a command: a job can only
   * pick among the methods the operator declared.
   */
  readonly pool?: string;
}

/** The agent's record of what it did with a job. */
export interface JobStatus {
  readonly id: string;
  readonly state: 'acknowledged' | 'started' | 'failed';
  readonly at: string;
  /** Boot ID at the time of writing. */
  readonly bootId: string;
  readonly exitCode?: number;
  readonly message?: string;
}

type Annotations = Readonly<Record<string, string>> | undefined;

const STATES = new Set(['acknowledged', 'started', 'failed']);

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';

/** Only a missing annotation is absent: an empty one is a garbled record, and garbled means "do nothing". */
function parsePresent<T extends object>(raw: string | undefined, valid: (value: Partial<T>) => boolean): Parsed<T> {
  if (raw === undefined) return { state: 'absent' };
  const parsed = parseJsonRecord<T>(raw, valid);
  return parsed.state === 'absent' ? { state: 'unreadable', raw } : parsed;
}

export function readJob(annotations: Annotations): Parsed<RebootJob> {
  const parsed = parsePresent<RebootJob>(
    annotations?.[CONTROLLER.rebootJob],
    (value) => isText(value.id) && isText(value.bootIdBefore) && typeof value.createdAt === 'string',
  );
  if (parsed.state !== 'ok') return parsed;
  const { id, createdAt, bootIdBefore, notAfter, pool } = parsed.value;
  return {
    state: 'ok',
    value: { id, createdAt, bootIdBefore, ...(typeof notAfter === 'string' ? { notAfter } : {}), ...(isText(pool) ? { pool } : {}) },
  };
}

export function readJobStatus(annotations: Annotations): Parsed<JobStatus> {
  return parsePresent<JobStatus>(
    annotations?.[AGENT.jobStatus],
    (value) => isText(value.id) && STATES.has(value.state ?? '') && typeof value.bootId === 'string',
  );
}

export function jobStatusAnnotation(status: JobStatus): Record<string, string> {
  return { [AGENT.jobStatus]: JSON.stringify(status) };
}
