// The controller's hook settings (ADR 0019): the Job templates read from their files once, at
// start, and checked there — a template Kubernetes would refuse is a usage error naming the file
// and the problem, not a failed reboot hours later.

import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import type { V1Job } from '@kubernetes/client-node';
import type { HookPoint } from '../store/hook-records.ts';

export type HookFailure = 'skip-node' | 'halt';

export interface HookConfig {
  /** The Job template of each hook point that has one. */
  readonly jobs: Partial<Record<HookPoint, V1Job>>;
  /** How long a hook (a Job or a host command) may run before it counts as failed. */
  readonly timeoutMs: number;
  /** A failed hook stops its node's reboot; with `halt` it halts the rollout too. */
  readonly onFailure: HookFailure;
  /** Where hook Jobs are created: the controller's namespace. */
  readonly namespace: string;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The problems of a parsed template, each naming the field. */
export function templateProblems(value: unknown, namespace: string): string[] {
  if (!isObject(value)) return ['not a YAML or JSON object (expected a batch/v1 Job)'];
  const problems: string[] = [];
  if (value.kind !== 'Job') problems.push(`kind: expected Job, found ${JSON.stringify(value.kind ?? null)}`);
  if (value.apiVersion !== 'batch/v1') problems.push(`apiVersion: expected batch/v1, found ${JSON.stringify(value.apiVersion ?? null)}`);
  const metadata = isObject(value.metadata) ? value.metadata : {};
  if (typeof metadata.namespace === 'string' && metadata.namespace !== namespace)
    problems.push(`metadata.namespace: hook Jobs run in the controller's namespace (${namespace}), not ${metadata.namespace}`);
  const spec = isObject(value.spec) ? value.spec : undefined;
  const template = spec && isObject(spec.template) ? spec.template : undefined;
  const podSpec = template && isObject(template.spec) ? template.spec : undefined;
  if (!podSpec) return [...problems, 'spec.template.spec: missing (a Job needs a pod template)'];
  if (!Array.isArray(podSpec.containers) || podSpec.containers.length === 0) problems.push('spec.template.spec.containers: none given');
  if (podSpec.restartPolicy !== 'Never' && podSpec.restartPolicy !== 'OnFailure')
    problems.push(`spec.template.spec.restartPolicy: must be Never or OnFailure, found ${JSON.stringify(podSpec.restartPolicy ?? null)}`);
  if (spec && spec.parallelism !== undefined && spec.parallelism !== 1)
    problems.push('spec.parallelism: a hook runs once; leave it unset or 1');
  return problems;
}

/** Reads the template at `file` for --`flag`; '' means no hook there. */
export function readHookTemplate(flag: string, file: string, namespace: string, problems: string[]): V1Job | undefined {
  if (file === '') return undefined;
  let value: unknown;
  try {
    value = load(readFileSync(file, 'utf8'));
  } catch (error) {
    problems.push(`--${flag}: cannot read ${file}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    return undefined;
  }
  const found = templateProblems(value, namespace);
  for (const problem of found) problems.push(`--${flag}: ${file}: ${problem}`);
  return found.length === 0 ? (value as V1Job) : undefined;
}
