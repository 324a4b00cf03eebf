// The records of the hooks around a reboot (ADR 0019), on the Node like every other record:
//   kreboot.dev/hooks        (controller) the runs of this node's hooks, newest last: what ran, where
//                            its logs are (the Job's name), how it ended and how long it took;
//   kreboot.dev/hook-job     (controller) a host hook handed to the node's agent, beside its run;
//   kreboot.dev/hook-status  (agent) what the agent did with that host hook;
//   kreboot.dev/host-hooks   (agent) the hook points it has a host command for.
// A run is recorded as running before its Job is created or its host hook handed out, so a
// controller killed at any moment finds the run it started and neither starts it again nor skips it.

import { AGENT, CONTROLLER } from './keys.ts';
import { parseJson, parseJsonRecord, type Parsed } from './parse-json.ts';

export type HookPoint = 'pre-drain' | 'post-reboot';
export const HOOK_POINTS: readonly HookPoint[] = ['pre-drain', 'post-reboot'];

/** A Kubernetes Job made from the user's template, or a command the agent runs on the host. */
export type HookKind = 'job' | 'host';

export type HookOutcome = 'succeeded' | 'failed' | 'timed-out';

export interface HookRun {
  readonly point: HookPoint;
  readonly kind: HookKind;
  /** The Job's name (its logs: kubectl logs job/NAME), or the host hook's id. Deterministic per round. */
  readonly name: string;
  /** The round it belongs to (the progress record's startedAt): hooks run once per round. */
  readonly round: string;
  readonly startedAt: string;
  /** Absent while it runs. */
  readonly outcome?: HookOutcome;
  readonly finishedAt?: string;
  /** Why it failed, or what the host command printed last. */
  readonly message?: string;
}

/** A host hook handed to the agent: it runs the command it has for `point`, at most once. */
export interface HostHookJob {
  readonly id: string;
  readonly point: HookPoint;
  /** RFC 3339: the agent does not start it after this, and stops it then (the hook timeout). */
  readonly notAfter: string;
}

export interface HostHookStatus {
  readonly id: string;
  readonly state: 'started' | 'succeeded' | 'failed';
  readonly at: string;
  readonly exitCode?: number;
  readonly message?: string;
}

type Annotations = Readonly<Record<string, string>> | undefined;

/** Runs kept on the node: enough for the last rounds' history, small enough for an annotation. */
export const KEPT_RUNS = 12;

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const POINTS = new Set<string>(HOOK_POINTS);

function isRun(value: unknown): value is HookRun {
  if (typeof value !== 'object' || value === null) return false;
  const run = value as Partial<HookRun>;
  return (
    POINTS.has(String(run.point)) &&
    (run.kind === 'job' || run.kind === 'host') &&
    isText(run.name) &&
    isText(run.round) &&
    isText(run.startedAt)
  );
}

/** The recorded runs; an unreadable record reads as none (the status shows the raw annotation). */
export function parseHookRuns(text: string | undefined): readonly HookRun[] {
  if (!text) return [];
  const value = parseJson(text);
  return Array.isArray(value) ? value.filter(isRun) : [];
}

/** The runs with `run` added or replaced (same name), the oldest dropped past KEPT_RUNS. */
export function withRun(runs: readonly HookRun[], run: HookRun): HookRun[] {
  const others = runs.filter((existing) => existing.name !== run.name);
  return [...others, run].slice(-KEPT_RUNS);
}

export function hookRunsAnnotation(runs: readonly HookRun[]): Record<string, string> {
  return { [CONTROLLER.hooks]: JSON.stringify(runs) };
}

export function readHostHookJob(annotations: Annotations): Parsed<HostHookJob> {
  const raw = annotations?.[CONTROLLER.hookJob];
  if (raw === undefined) return { state: 'absent' };
  const parsed = parseJsonRecord<HostHookJob>(
    raw,
    (value) => isText(value.id) && POINTS.has(String(value.point)) && isText(value.notAfter),
  );
  return parsed.state === 'absent' ? { state: 'unreadable', raw } : parsed;
}

const STATES = new Set(['started', 'succeeded', 'failed']);

export function readHostHookStatus(annotations: Annotations): Parsed<HostHookStatus> {
  const raw = annotations?.[AGENT.hookStatus];
  if (raw === undefined) return { state: 'absent' };
  const parsed = parseJsonRecord<HostHookStatus>(raw, (value) => isText(value.id) && STATES.has(String(value.state)));
  return parsed.state === 'absent' ? { state: 'unreadable', raw } : parsed;
}

export function hostHookStatusAnnotation(status: HostHookStatus): Record<string, string> {
  return { [AGENT.hookStatus]: JSON.stringify(status) };
}

/** The hook points an agent advertises (kreboot.dev/host-hooks); unknown names are ignored. */
export function parseHostHooks(text: string | undefined): ReadonlySet<HookPoint> {
  const points = (text ?? '').split(',').map((part) => part.trim());
  return new Set(points.filter((point): point is HookPoint => POINTS.has(point)));
}
