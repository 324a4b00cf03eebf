// The Node writes of each step, as merge-patch bodies computed from the cached Node. Each carries
// the Node's resourceVersion (optimistic), and each puts the cluster change and the progress record
// that explains it in ONE write: a node is never cordoned by kreboot without a record saying why.

import { randomUUID } from 'node:crypto';
import type { V1Node, V1Taint } from '@kubernetes/client-node';
import type { RebootJob } from '../../store/job-records.ts';
import { CONTROLLER, KURED, PHASE_LABEL } from '../../store/keys.ts';
import { IN_FLIGHT_PHASES, isInFlight, type NodeProgress, type Phase } from '../../store/node-progress.ts';
import { recoveredNote, type RemediationMark } from '../policy/recovery.ts';
import type { ObservedNode } from '../policy/observed-node.ts';
import { parseRemediated, remember } from '../../store/remediation-memory.ts';
import { hookRunsAnnotation, withRun, type HookRun, type HostHookJob } from '../../store/hook-records.ts';

export interface PatchSettings {
  readonly preferNoScheduleTaint: string;
  readonly preRebootNodeLabels: Readonly<Record<string, string>>;
  readonly postRebootNodeLabels: Readonly<Record<string, string>>;
  readonly annotateNodes: boolean;
  /** The agent refuses a job older than this (the job's notAfter). */
  readonly rebootTimeoutMs: number;
  /** The marks of --stuck-node-remediation-label/-annotation: set at the handoff, removed when the node is done or given up. */
  readonly remediation?: RemediationMark;
  /** The node's pool, named in its reboot job (docs/pools.md); absent for the default pool. */
  readonly pool?: string;
  /** With pools: the pool recorded on the node at its cordon (every pool, the default included). */
  readonly roundPool?: string;
}

export interface NodePatch {
  readonly body: {
    metadata: { resourceVersion?: string; annotations?: Record<string, string | null>; labels?: Record<string, string | null> };
    spec?: { unschedulable?: boolean; taints?: V1Taint[] };
  };
  /** The progress this patch records, for events, notifications and metrics. */
  readonly progress?: NodeProgress;
}

/** The state record and the phase label that mirrors it (absent once done, for kubectl -L). */
function base(node: V1Node, annotations: Record<string, string | null>, progress?: NodeProgress): NodePatch['body'] {
  const body: NodePatch['body'] = { metadata: { resourceVersion: node.metadata?.resourceVersion, annotations } };
  if (progress) {
    annotations[CONTROLLER.state] = JSON.stringify(progress);
    const label = progress.phase === 'done' ? null : progress.phase;
    if ((node.metadata?.labels?.[PHASE_LABEL] ?? null) !== label) body.metadata.labels = { [PHASE_LABEL]: label };
  }
  return body;
}

function withLabels(body: NodePatch['body'], labels: Readonly<Record<string, string>>): void {
  if (Object.keys(labels).length > 0) body.metadata.labels = { ...body.metadata.labels, ...labels };
}

function progressOf(
  phase: Phase,
  now: Date,
  reason: string,
  previous: NodeProgress | undefined,
  extra: Partial<NodeProgress> = {},
): NodeProgress {
  const carried: Partial<NodeProgress> = previous
    ? {
        ...(previous.wasUnschedulable !== undefined ? { wasUnschedulable: previous.wasUnschedulable } : {}),
        ...(previous.attempts !== undefined ? { attempts: previous.attempts } : {}),
        ...(previous.startedAt !== undefined ? { startedAt: previous.startedAt } : {}),
        ...(previous.pool !== undefined ? { pool: previous.pool } : {}),
        ...(previous.jobId !== undefined ? { jobId: previous.jobId } : {}),
        ...(previous.bootIdBefore !== undefined ? { bootIdBefore: previous.bootIdBefore } : {}),
        // A recovery lasts while the node is in flight; a failure or a resume ends it.
        ...(previous.recovery !== undefined && isInFlight(previous) && IN_FLIGHT_PHASES.has(phase) ? { recovery: previous.recovery } : {}),
      }
    : {};
  return { ...carried, phase, since: now.toISOString(), reason, ...extra };
}

function withTaint(node: V1Node, key: string, present: boolean): V1Taint[] | undefined {
  if (key === '') return undefined;
  const taints = node.spec?.taints ?? [];
  const has = taints.some((taint) => taint.key === key && taint.effect === 'PreferNoSchedule');
  if (has === present) return undefined;
  return present
    ? [...taints, { key, value: 'true', effect: 'PreferNoSchedule' }]
    : taints.filter((taint) => !(taint.key === key && taint.effect === 'PreferNoSchedule'));
}

/** Record a phase without other changes (queued, waiting, withdrawn); sets the waiting taint. */
export function recordPatch(node: V1Node, progress: NodeProgress, settings: PatchSettings, clearRequest: boolean): NodePatch {
  const body = base(node, { ...(clearRequest ? { [CONTROLLER.request]: null } : {}) }, progress);
  const waitingForSlot = progress.phase === 'queued' || progress.phase === 'waiting';
  const taints = withTaint(node, settings.preferNoScheduleTaint, waitingForSlot);
  if (taints) body.spec = { taints };
  return { body, progress };
}

/**
 * The taint the node lifecycle controller puts on every cordoned node. Written with the cordon, it
 * finds it there and leaves the Node alone: otherwise its write lands tens of milliseconds after
 * the cordon and the drain's first write (optimistic, steps/drain-start.ts) loses to it (ADR 0026).
 * The admission policy lets it come and go with the cordon; the node controller removes it on uncordon.
 */
const CORDON_TAINT: V1Taint = { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' };

function withCordonTaint(node: V1Node): V1Taint[] | undefined {
  const taints = node.spec?.taints ?? [];
  if (taints.some((taint) => taint.key === CORDON_TAINT.key && taint.effect === CORDON_TAINT.effect)) return undefined;
  return [...taints, { ...CORDON_TAINT }];
}

/** Cordon and record `cordoned`, remembering whether the node was already unschedulable. */
export function startPatch(node: V1Node, observed: ObservedNode, now: Date, settings: PatchSettings, attempts: number): NodePatch {
  const progress: NodeProgress = {
    phase: 'cordoned',
    since: now.toISOString(),
    reason: 'cordoned; drain follows',
    wasUnschedulable: observed.unschedulable,
    attempts, // counted by the policy (decide.ts): a retry (or a wait after one) serves the same request
    startedAt: now.toISOString(),
    ...(settings.roundPool !== undefined ? { pool: settings.roundPool } : {}),
  };
  const annotations: Record<string, string | null> = {};
  if (settings.annotateNodes) {
    annotations[KURED.rebootInProgress] = now.toISOString();
    annotations[KURED.mostRecentRebootNeeded] = observed.request?.at ?? now.toISOString();
  }
  const body = base(node, annotations, progress);
  const taints = withCordonTaint(node);
  body.spec = { unschedulable: true, ...(taints ? { taints } : {}) };
  withLabels(body, settings.preRebootNodeLabels);
  return { body, progress };
}

/** Record the drain's progress; the policy computed the record (phase draining). */
export function drainingPatch(node: V1Node, observed: ObservedNode, progress: NodeProgress): NodePatch {
  const body = base(node, {}, progress);
  if (!observed.unschedulable) body.spec = { unschedulable: true }; // an admin uncordoned it mid-drain
  return { body, progress };
}

/**
 * Hand the reboot job to the agent (ADR 0002) and record `rebooting`, with the attempts the policy
 * counted. `from` replaces the node's record as the one carried on (a recovery step's, a halted
 * node's for its remediation alert), and its reason leads the new one.
 */
export function dispatchPatch(
  node: V1Node,
  observed: ObservedNode,
  now: Date,
  settings: Pick<PatchSettings, 'rebootTimeoutMs' | 'pool'>,
  attempts: number,
  from?: NodeProgress,
): NodePatch {
  const job: RebootJob = {
    id: randomUUID(),
    createdAt: now.toISOString(),
    bootIdBefore: observed.bootId ?? '',
    notAfter: new Date(now.getTime() + settings.rebootTimeoutMs).toISOString(),
    ...(settings.pool ? { pool: settings.pool } : {}),
  };
  const previous = from ?? observed.progress;
  const handed = `reboot job ${job.id} handed to the agent (attempt ${attempts})`;
  const progress = progressOf('rebooting', now, from ? `${from.reason}: ${handed}` : handed, previous, {
    jobId: job.id,
    bootIdBefore: job.bootIdBefore,
    attempts,
    ...(from?.recovery ? { recovery: from.recovery } : {}),
  });
  return { body: base(node, { [CONTROLLER.rebootJob]: JSON.stringify(job) }, progress), progress };
}

/**
 * A recovery step that sends no job: a wait for a node that is not Ready, or the handoff to
 * remediation, whose marks go on the Node in the same write as the record that explains them.
 * Any job left goes too: the agent must not find one of an attempt that is over.
 */
export function recoverPatch(node: V1Node, observed: ObservedNode, progress: NodeProgress, settings: PatchSettings): NodePatch {
  const annotations: Record<string, string | null> = observed.job ? { [CONTROLLER.rebootJob]: null } : {};
  const handoff = progress.recovery?.handedAt !== undefined && settings.remediation;
  if (handoff) Object.assign(annotations, settings.remediation!.annotations);
  const body = base(node, annotations, progress);
  if (handoff) withLabels(body, settings.remediation!.labels);
  return { body, progress };
}

/** Removes the remediation marks of a node that was handed over, as its reboot ends either way. */
function withoutMarks(body: NodePatch['body'], observed: ObservedNode, settings: PatchSettings): void {
  const mark = settings.remediation;
  if (!mark || observed.progress?.recovery?.handedAt === undefined) return;
  const annotations = (body.metadata.annotations ??= {});
  for (const key of Object.keys(mark.annotations)) annotations[key] = null;
  const labels = Object.keys(mark.labels);
  if (labels.length > 0) body.metadata.labels = { ...body.metadata.labels, ...Object.fromEntries(labels.map((key) => [key, null])) };
}

export function verifyingPatch(node: V1Node, observed: ObservedNode, now: Date): NodePatch {
  const progress = progressOf('verifying', now, 'boot ID changed; waiting for Ready and the sentinel to clear', observed.progress);
  return { body: base(node, {}, progress), progress };
}

/** The node is back: uncordon only if kreboot cordoned it; post-reboot labels either way (kured #1328). */
export function completePatch(node: V1Node, observed: ObservedNode, now: Date, settings: PatchSettings): NodePatch {
  const stayCordoned = observed.progress?.wasUnschedulable === true;
  const progress = progressOf(
    'done',
    now,
    `${stayCordoned ? 'rebooted; left cordoned as it was before' : 'rebooted and uncordoned'}${recoveredNote(observed.progress?.recovery)}`,
    observed.progress,
  );
  const annotations: Record<string, string | null> = { [CONTROLLER.request]: null, [CONTROLLER.rebootJob]: null };
  // kured keeps most-recent-reboot-needed as a record; only the in-progress mark goes.
  if (settings.annotateNodes) annotations[KURED.rebootInProgress] = null;
  // The alert episode this reboot answered, in the same write that clears the request: a re-send
  // of the same firing alert is then recognised, whenever it comes.
  const request = observed.request;
  // (an operator's request that replaced a remediation request carries its episode).
  if ((request?.kind === 'remediation' || request?.kind === 'api') && request.fingerprint && request.startsAt) {
    const memory = parseRemediated(node.metadata?.annotations?.[CONTROLLER.remediated]);
    annotations[CONTROLLER.remediated] = JSON.stringify(
      remember(memory, { fingerprint: request.fingerprint, startsAt: request.startsAt, at: now.toISOString() }, now),
    );
  }
  const body = base(node, annotations, progress);
  const taints = withTaint(node, settings.preferNoScheduleTaint, false);
  body.spec = { ...(stayCordoned ? {} : { unschedulable: false }), ...(taints ? { taints } : {}) };
  withoutMarks(body, observed, settings);
  withLabels(body, settings.postRebootNodeLabels);
  return { body, progress };
}

export function failPatch(
  node: V1Node,
  observed: ObservedNode,
  now: Date,
  failure: {
    reason: string;
    restore: boolean;
    retryAt?: Date;
    final?: boolean;
    halt?: boolean;
    hook?: HookRun;
    attempts?: number;
    holdRollout?: boolean;
  },
  settings: PatchSettings,
): NodePatch {
  const progress = progressOf('failed', now, failure.reason, observed.progress, {
    ...(failure.retryAt ? { retryAt: failure.retryAt.toISOString() } : {}),
    ...(failure.final ? { final: true } : {}),
    ...(failure.halt ? { haltedRollout: true } : {}),
    ...(failure.attempts !== undefined ? { attempts: failure.attempts } : {}),
    ...(failure.holdRollout ? { holdsRollout: true } : {}),
  });
  // The job goes in every failure, in the same write: an agent that starts late (same boot) must
  // never find a job whose attempt already failed or timed out. A host hook likewise (ADR 0019).
  const annotations: Record<string, string | null> = observed.job ? { [CONTROLLER.rebootJob]: null } : {};
  if (observed.hookJob) annotations[CONTROLLER.hookJob] = null;
  if (failure.hook) Object.assign(annotations, hookRunsAnnotation(withRun(observed.hooks ?? [], failure.hook)));
  const body = base(node, annotations, progress);
  // The node-repair controller was given its chance: the marks go, or it would act on a node the
  // halt now leaves to an operator.
  withoutMarks(body, observed, settings);
  if (failure.restore) {
    if (settings.annotateNodes) annotations[KURED.rebootInProgress] = null;
    const taints = withTaint(node, settings.preferNoScheduleTaint, false);
    const uncordon = observed.progress?.wasUnschedulable !== true && observed.unschedulable;
    body.spec = { ...(uncordon ? { unschedulable: false } : {}), ...(taints ? { taints } : {}) };
  }
  return { body, progress };
}

/** After a resume: the policy's re-armed record (rebooting or verifying again, fresh timeout). */
export function rearmPatch(node: V1Node, progress: NodeProgress): NodePatch {
  return { body: base(node, {}, progress), progress };
}

/** Remove a reboot job (or a host hook) no reboot in progress explains. */
export function disarmPatch(node: V1Node, hook = false): NodePatch {
  return { body: base(node, { [hook ? CONTROLLER.hookJob : CONTROLLER.rebootJob]: null }) };
}

/**
 * A hook run recorded as running, with the reason that shows it (same phase): written before its
 * Job is created, and in the same write as the host hook it hands to the agent (ADR 0019).
 */
export function hookStartPatch(node: V1Node, observed: ObservedNode, run: HookRun, progress: NodeProgress, notAfter: Date): NodePatch {
  const annotations: Record<string, string | null> = hookRunsAnnotation(withRun(observed.hooks ?? [], run));
  if (run.kind === 'host') {
    const job: HostHookJob = { id: run.name, point: run.point, notAfter: notAfter.toISOString() };
    annotations[CONTROLLER.hookJob] = JSON.stringify(job);
  }
  return { body: base(node, annotations, progress), progress };
}

/** A hook run's success, with the reason that shows it; a host hook handed out goes in the same write. */
export function hookFinishPatch(node: V1Node, observed: ObservedNode, run: HookRun, progress: NodeProgress): NodePatch {
  const annotations: Record<string, string | null> = hookRunsAnnotation(withRun(observed.hooks ?? [], run));
  if (observed.hookJob) annotations[CONTROLLER.hookJob] = null;
  return { body: base(node, annotations, progress), progress };
}

export function requestCheckPatch(node: V1Node, now: Date): NodePatch {
  return { body: base(node, { [CONTROLLER.checkRequestedAt]: now.toISOString() }) };
}
