// What the policy sees of one node: the Node object reduced to the facts decisions use. Built from
// the informer's cached Node each cycle, so it is always the latest state, never remembered state.

import type { V1Node } from '@kubernetes/client-node';
import { parseEvicted, type EvictedWorkloads } from '../../store/evicted-workloads.ts';
import { recordedSilences } from '../../store/silence-record.ts';
import type { JobStatus, RebootJob } from '../../store/job-records.ts';
import { AGENT, CONTROLLER } from '../../store/keys.ts';
import { jsonRecord } from '../../store/parse-json.ts';
import { parseProgress, type NodeProgress } from '../../store/node-progress.ts';
import { parseRequest, type RebootRequest } from '../../store/reboot-request.ts';
import {
  parseHookRuns,
  parseHostHooks,
  readHostHookJob,
  readHostHookStatus,
  type HookPoint,
  type HookRun,
  type HostHookJob,
  type HostHookStatus,
} from '../../store/hook-records.ts';

export interface ObservedNode {
  readonly name: string;
  readonly ready: boolean;
  readonly unschedulable: boolean;
  /** Reported by the agent; undefined means no agent reports on this node. */
  readonly bootId: string | undefined;
  readonly rebootRequired: boolean | undefined;
  readonly sentinelCheckedAt: string | undefined;
  /** When the controller last asked the agent to check its sentinel at once. */
  readonly checkRequestedAt: string | undefined;
  readonly job: RebootJob | undefined;
  readonly jobStatus: JobStatus | undefined;
  readonly request: RebootRequest | undefined;
  readonly progress: NodeProgress | undefined;
  readonly labels: Readonly<Record<string, string>>;
  /** RFC 3339: when the host booted, as its agent reports (for --max-node-age). */
  readonly bootTime?: string;
  /** Alertmanager silences kreboot created for this node's reboot (quiet maintenance). */
  readonly silences?: readonly string[];
  /** The hooks run around this node's reboots (ADR 0019), newest last. */
  readonly hooks?: readonly HookRun[];
  /** A host hook handed to the agent (kreboot.dev/hook-job), and the agent's status of it. */
  readonly hookJob?: HostHookJob;
  readonly hookStatus?: HostHookStatus;
  /** The hook points the node's agent has a host command for. */
  readonly hostHooks?: ReadonlySet<HookPoint>;
  /** RFC 3339: when the Node object was created (a replacement registers after a node was handed to remediation). */
  readonly created?: string;
  /** What this node's last drain disrupted (the workload gate). */
  readonly evicted?: EvictedWorkloads;
}

export function isReady(node: V1Node): boolean {
  return node.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') ?? false;
}

/**
 * Node objects are never changed in place (a watch event or a write brings a new object), so
 * each is read once: cycles, status and metrics all ask for every node, and parsing the JSON
 * records of thousands of nodes on each ask was most of a cycle's cost.
 */
const observedOnce = new WeakMap<V1Node, ObservedNode>();

export function observeNode(node: V1Node): ObservedNode {
  let observed = observedOnce.get(node);
  if (!observed) {
    observed = readNode(node);
    observedOnce.set(node, observed);
  }
  return observed;
}

function readNode(node: V1Node): ObservedNode {
  const annotations = node.metadata?.annotations ?? {};
  const required = annotations[AGENT.rebootRequired];
  const created = node.metadata?.creationTimestamp ? new Date(node.metadata.creationTimestamp) : undefined;
  return {
    name: node.metadata?.name ?? '',
    ready: isReady(node),
    unschedulable: node.spec?.unschedulable === true,
    bootId: annotations[AGENT.bootId] || undefined,
    rebootRequired: required === 'true' ? true : required === 'false' ? false : undefined,
    sentinelCheckedAt: annotations[AGENT.sentinelCheckedAt],
    checkRequestedAt: annotations[CONTROLLER.checkRequestedAt],
    job: jsonRecord<RebootJob>(annotations[CONTROLLER.rebootJob]),
    jobStatus: jsonRecord<JobStatus>(annotations[AGENT.jobStatus]),
    request: parseRequest(annotations[CONTROLLER.request]),
    progress: parseProgress(annotations[CONTROLLER.state]),
    labels: node.metadata?.labels ?? {},
    ...(annotations[AGENT.bootTime] ? { bootTime: annotations[AGENT.bootTime] } : {}),
    silences: recordedSilences(annotations),
    ...(annotations[CONTROLLER.evictedWorkloads] ? { evicted: parseEvicted(annotations[CONTROLLER.evictedWorkloads]) } : {}),
    ...hookFacts(annotations),
    ...(created && !Number.isNaN(created.getTime()) ? { created: created.toISOString() } : {}),
  };
}

/** Hook records, only where present: most nodes have none and their observed shape stays as before. */
function hookFacts(annotations: Readonly<Record<string, string>>): Partial<ObservedNode> {
  const hooks = parseHookRuns(annotations[CONTROLLER.hooks]);
  const job = readHostHookJob(annotations);
  const status = readHostHookStatus(annotations);
  const points = parseHostHooks(annotations[AGENT.hostHooks]);
  return {
    ...(hooks.length > 0 ? { hooks } : {}),
    ...(job.state === 'ok' ? { hookJob: job.value } : {}),
    ...(status.state === 'ok' ? { hookStatus: status.value } : {}),
    ...(points.size > 0 ? { hostHooks: points } : {}),
  };
}
