// The Node writes of each step, as merge-patch bodies computed from the cached Node. Each carries
// the Node's resourceVersion (optimistic), and each puts the cluster change and the progress record
// that explains it in ONE write: a node is never cordoned by kreboot without a record saying why.

import { randomUUID } from 'node:crypto';
import type { V1Node, V1Taint } from '@kubernetes/client-node';
import type { RebootJob } from '../../store/job-records.ts';
import { CONTROLLER, KURED, PHASE_LABEL } from '../../store/keys.ts';
import type { NodeProgress, Phase } from '../../store/node-progress.ts';
import type { ObservedNode } from '../policy/observed-node.ts';
import { servesSameRequest } from '../policy/decide.ts';
import { parseRemediated, remember } from '../../store/remediation-memory.ts';

export interface PatchSettings {
  readonly preferNoScheduleTaint: string;
  readonly preRebootNodeLabels: Readonly<Record<string, string>>;
  readonly postRebootNodeLabels: Readonly<Record<string, string>>;
  readonly annotateNodes: boolean;
  /** The agent refuses a job older than this (the job's notAfter). */
  readonly rebootTimeoutMs: number;
  /** The node's pool, named in its reboot job (docs/pools.md); absent for the default pool. */
  readonly pool?: string;
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
        ...(previous.jobId !== undefined ? { jobId: previous.jobId } : {}),
        ...(previous.bootIdBefore !== undefined ? { bootIdBefore: previous.bootIdBefore } : {}),
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

/** Cordon and record `cordoned`, remembering whether the node was already unschedulable. */
export function startPatch(node: V1Node, observed: ObservedNode, now: Date, settings: PatchSettings): NodePatch {
  const progress: NodeProgress = {
    phase: 'cordoned',
    since: now.toISOString(),
    reason: 'cordoned; drain follows',
    wasUnschedulable: observed.unschedulable,
    attempts: servesSameRequest(observed.progress) ? (observed.progress?.attempts ?? 0) : 0, // a retry (or a wait after one) serves the same request
    startedAt: now.toISOString(),
  };
  const annotations: Record<string, string | null> = {};
  if (settings.annotateNodes) {
    annotations[KURED.rebootInProgress] = now.toISOString();
    annotations[KURED.mostRecentRebootNeeded] = observed.request?.at ?? now.toISOString();
  }
  const body = base(node, annotations, progress);
  body.spec = { unschedulable: true };
  withLabels(body, settings.preRebootNodeLabels);
  return { body, progress };
}

/** Record the drain's progress; the policy computed the record (phase draining). */
export function drainingPatch(node: V1Node, observed: ObservedNode, progress: NodeProgress): NodePatch {
  const body = base(node, {}, progress);
  if (!observed.unschedulable) body.spec = { unschedulable: true }; // an admin uncordoned it mid-drain
  return { body, progress };
}

/** Hand the reboot job to the agent (ADR 0002) and record `rebooting`. */
export function dispatchPatch(
  node: V1Node,
  observed: ObservedNode,
  now: Date,
  settings: Pick<PatchSettings, 'rebootTimeoutMs' | 'pool'>,
): NodePatch {
  const job: RebootJob = {
    id: randomUUID(),
    createdAt: now.toISOString(),
    bootIdBefore: observed.bootId ?? '',
    notAfter: new Date(now.getTime() + settings.rebootTimeoutMs).toISOString(),
    ...(settings.pool ? { pool: settings.pool } : {}),
  };
  const attempts = (observed.progress?.attempts ?? 0) + 1;
  const progress = progressOf('rebooting', now, `reboot job ${job.id} handed to the agent (attempt ${attempts})`, observed.progress, {
    jobId: job.id,
    bootIdBefore: job.bootIdBefore,
    attempts,
  });
  return { body: base(node, { [CONTROLLER.rebootJob]: JSON.stringify(job) }, progress), progress };
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
    stayCordoned ? 'rebooted; left cordoned as it was before' : 'rebooted and uncordoned',
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
  withLabels(body, settings.postRebootNodeLabels);
  return { body, progress };
}

export function failPatch(
  node: V1Node,
  observed: ObservedNode,
  now: Date,
  failure: { reason: string; restore: boolean; retryAt?: Date; final?: boolean; halt?: boolean },
  settings: PatchSettings,
): NodePatch {
  const progress = progressOf('failed', now, failure.reason, observed.progress, {
    ...(failure.retryAt ? { retryAt: failure.retryAt.toISOString() } : {}),
    ...(failure.final ? { final: true } : {}),
    ...(failure.halt ? { haltedRollout: true } : {}),
  });
  // The job goes in every failure, in the same write: an agent that starts late (same boot) must
  // never find a job whose attempt already failed or timed out.
  const annotations: Record<string, string | null> = observed.job ? { [CONTROLLER.rebootJob]: null } : {};
  const body = base(node, annotations, progress);
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

/** Remove a reboot job no reboot in progress explains. */
export function disarmPatch(node: V1Node): NodePatch {
  return { body: base(node, { [CONTROLLER.rebootJob]: null }) };
}

export function requestCheckPatch(node: V1Node, now: Date): NodePatch {
  return { body: base(node, { [CONTROLLER.checkRequestedAt]: now.toISOString() }) };
}
