// The Kubernetes Job of a hook (ADR 0019), made from the user's template: its deterministic name,
// the node's name passed in, the bounds kreboot puts on it, and how its status reads. Pure: the
// runner (hook-step.ts) creates and reads it.
//
// The name is derived from the node, the round (when the node was cordoned), the attempt and the
// hook point, so a controller killed after creating the Job computes the same name when it comes
// back and finds that Job (a create answered 409) instead of running the hook a second time.

import { createHash } from 'node:crypto';
import type { V1Container, V1EnvVar, V1Job } from '@kubernetes/client-node';
import type { HookKind, HookPoint } from '../../store/hook-records.ts';

/** Labels on the Job and its pods, to find them (kubectl get jobs -l kreboot.dev/hook-point). */
export const HOOK_NODE_LABEL = 'kreboot.dev/hook-node';
export const HOOK_POINT_LABEL = 'kreboot.dev/hook-point';
/** The full node name and the round, as annotations (a label value holds at most 63 characters). */
export const HOOK_NODE_ANNOTATION = 'kreboot.dev/hook-node';
export const HOOK_ROUND_ANNOTATION = 'kreboot.dev/hook-round';

/** A finished Job is kept at least this long (for its logs), unless its template asks for longer. */
export const DEFAULT_TTL_SECONDS = 86_400;
const TTL_MARGIN_SECONDS = 3600;

export interface HookJobParams {
  readonly node: string;
  readonly point: HookPoint;
  readonly namespace: string;
  readonly name: string;
  readonly round: string;
  readonly timeoutMs: number;
}

/**
 * The run's name: readable (point and node) and unique per node, round, attempt, point and kind.
 * At most 52 characters, so the Job's pods' names and the job-name label stay within 63.
 */
export function hookRunName(node: string, round: string, attempt: number, point: HookPoint, kind: HookKind): string {
  const hash = createHash('sha256').update(`${node}|${round}|${attempt}|${point}|${kind}`).digest('hex').slice(0, 8);
  const slug = node
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .slice(0, 22)
    .replace(/^-+|-+$/g, '');
  return `kreboot-${point}-${slug ? `${slug}-` : ''}${kind === 'host' ? 'h' : ''}${hash}`;
}

const LABEL_VALUE = /^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)$/;

function withEnv(container: V1Container, env: readonly V1EnvVar[]): V1Container {
  const names = new Set(env.map((variable) => variable.name));
  return { ...container, env: [...(container.env ?? []).filter((variable) => !names.has(variable.name)), ...env] };
}

/** The Job to create for one run: the template, named, placed, labelled, told its node, bounded. */
export function buildHookJob(template: V1Job, params: HookJobParams): V1Job {
  const job = structuredClone(template);
  const labels: Record<string, string> = { [HOOK_POINT_LABEL]: params.point };
  if (LABEL_VALUE.test(params.node)) labels[HOOK_NODE_LABEL] = params.node;
  const timeoutSeconds = Math.max(1, Math.ceil(params.timeoutMs / 1000));
  const env: V1EnvVar[] = [
    { name: 'KREBOOT_NODE', value: params.node },
    { name: 'KREBOOT_HOOK_POINT', value: params.point },
  ];
  const spec = job.spec!;
  const podTemplate = spec.template;
  const podSpec = podTemplate.spec!;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: params.name,
      namespace: params.namespace,
      labels: { ...job.metadata?.labels, ...labels },
      annotations: { ...job.metadata?.annotations, [HOOK_NODE_ANNOTATION]: params.node, [HOOK_ROUND_ANNOTATION]: params.round },
    },
    spec: {
      ...spec,
      // kreboot stops waiting at the hook timeout; Kubernetes stops the Job then too.
      activeDeadlineSeconds: Math.min(spec.activeDeadlineSeconds ?? timeoutSeconds, timeoutSeconds),
      // A finished Job stays longer than a restarted controller may still look for it (the hook
      // timeout, and an hour for clocks that differ): gone earlier, it would be created again.
      ttlSecondsAfterFinished: Math.max(spec.ttlSecondsAfterFinished ?? DEFAULT_TTL_SECONDS, timeoutSeconds + TTL_MARGIN_SECONDS),
      template: {
        ...podTemplate,
        metadata: { ...podTemplate.metadata, labels: { ...podTemplate.metadata?.labels, ...labels } },
        spec: {
          ...podSpec,
          containers: podSpec.containers.map((container) => withEnv(container, env)),
          ...(podSpec.initContainers ? { initContainers: podSpec.initContainers.map((container) => withEnv(container, env)) } : {}),
        },
      },
    },
  };
}

export type JobState =
  { readonly state: 'running' } | { readonly state: 'succeeded' } | { readonly state: 'failed'; readonly message: string };

/** How a Job stands, from its conditions (Complete/SuccessCriteriaMet, Failed/FailureTarget). */
export function jobState(job: V1Job): JobState {
  const conditions = job.status?.conditions ?? [];
  const holds = (type: string) => conditions.find((condition) => condition.type === type && condition.status === 'True');
  if (holds('Complete') ?? holds('SuccessCriteriaMet')) return { state: 'succeeded' };
  const failed = holds('Failed') ?? holds('FailureTarget');
  if (failed) return { state: 'failed', message: [failed.reason, failed.message].filter(Boolean).join(': ') || 'the Job failed' };
  return { state: 'running' };
}
