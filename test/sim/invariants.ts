// The safety properties the simulation checks after every step, each a named check on the
// model's truth (never on a controller's memory), so a failure says which property broke:
//   concurrency            nodes kreboot has out of service ≤ --concurrency
//   drained-before-reboot  no reboot job is executed on a node with pods that must leave (unless --force-reboot)
//   reboots-per-request    at most --max-reboot-attempts executed reboot jobs per request (per alert episode for remediation)
//   halt-holds             after a node halted the rollout, no new node is cordoned until a resume after the halt
//   admin-cordon-kept      a node an admin cordoned before kreboot started on it stays unschedulable
//   cordon-has-record      a node kreboot made unschedulable has a kreboot.dev/state record explaining it
// Liveness (every request completes once faults stop) is checked by the run itself (simulation.ts).

import type { V1Node } from '@kubernetes/client-node';
import { readRollout } from '../../src/store/rollout-record.ts';
import { isInFlight, isOutOfService, parseProgress, type NodeProgress } from '../../src/store/node-progress.ts';
import { parseRequest } from '../../src/store/reboot-request.ts';
import { exempt } from '../../src/controller/steps/drain.ts';
import { CONTROLLER } from '../../src/store/keys.ts';
import type { AgentObserver } from './agent-model.ts';
import type { ApiModel } from './api-model.ts';

export type CheckName =
  'concurrency' | 'drained-before-reboot' | 'reboots-per-request' | 'halt-holds' | 'admin-cordon-kept' | 'cordon-has-record' | 'liveness';

export interface Violation {
  readonly check: CheckName;
  readonly detail: string;
}

const progressCache = new Map<string, NodeProgress | undefined>();

/** The node's kreboot.dev/state record (parsed once per distinct text). */
export function progressOf(node: V1Node): NodeProgress | undefined {
  const text = node.metadata?.annotations?.[CONTROLLER.state];
  if (text === undefined) return undefined;
  if (!progressCache.has(text)) {
    if (progressCache.size > 5000) progressCache.clear();
    progressCache.set(text, parseProgress(text));
  }
  return progressCache.get(text);
}

const unschedulable = (node: V1Node) => node.spec?.unschedulable === true;

/** Out of service because of kreboot: isOutOfService, or cordoned by kreboot (not before it) and not given back. */
export function outOfServiceByKreboot(node: V1Node): boolean {
  const progress = progressOf(node);
  if (isOutOfService(progress)) return true;
  if (!progress || !unschedulable(node) || progress.wasUnschedulable !== false) return false;
  return progress.phase !== 'done' && progress.phase !== 'failed';
}

export class Invariants implements AgentObserver {
  private readonly model: ApiModel;
  private readonly settings: { concurrency: number; maxRebootAttempts: number; forceReboot: boolean; lockAnnotation: string };
  /** Nodes an admin cordoned (never uncordoned by the admin in the simulation). */
  readonly adminCordoned = new Set<string>();
  /** Executed reboot jobs per request (or per remediation alert episode). */
  readonly executions = new Map<string, number>();
  private readonly phases = new Map<string, string | undefined>();
  private readonly completions = new Map<string, number>();
  private haltedBefore: string | undefined;
  violation: Violation | undefined;
  rebootsStarted = 0;
  private rolloutOf: object | undefined;
  rollout: ReturnType<typeof readRollout> | undefined;

  constructor(model: ApiModel, settings: Invariants['settings']) {
    this.model = model;
    this.settings = settings;
    for (const [name, node] of model.nodes) this.phases.set(name, progressOf(node)?.phase);
  }

  private fail(check: CheckName, detail: string): void {
    this.violation ??= { check, detail };
  }

  rebootStarted(node: V1Node, jobId: string): void {
    const name = node.metadata!.name!;
    this.rebootsStarted++;
    if (!this.settings.forceReboot) {
      const left = this.model.listPodsOnNode(name).filter((pod) => !exempt(pod));
      if (left.length > 0)
        this.fail(
          'drained-before-reboot',
          `${name}: reboot job ${jobId.slice(0, 8)} started with ${left.length} pod(s) that must leave: ${left.map((pod) => pod.metadata!.name).join(', ')}`,
        );
    }
    const request = parseRequest(node.metadata?.annotations?.[CONTROLLER.request]);
    // Without a recorded request (--trigger=node: the agent's report is the request), the reboots
    // between two completions of the node serve one request.
    const key =
      request?.kind === 'remediation' && request.fingerprint && request.startsAt
        ? `${name} remediation episode ${request.fingerprint}@${request.startsAt}`
        : request
          ? `${name} request ${request.kind}@${request.at}`
          : `${name} reboot-required report after completion #${this.completions.get(name) ?? 0}`;
    const count = (this.executions.get(key) ?? 0) + 1;
    this.executions.set(key, count);
    if (count > this.settings.maxRebootAttempts)
      this.fail(
        'reboots-per-request',
        `${key}: ${count} reboot jobs executed, --max-reboot-attempts is ${this.settings.maxRebootAttempts}`,
      );
  }

  /** The node and time of a halt no resume covers yet, from the model's truth. */
  unresumedHalt(): string | undefined {
    if (this.rolloutOf !== this.model.daemonSet) {
      this.rolloutOf = this.model.daemonSet;
      this.rollout = readRollout(this.model.daemonSet, this.settings.lockAnnotation);
    }
    const resumed = this.rollout!.resumed?.at;
    for (const [name, node] of this.model.nodes) {
      const progress = progressOf(node);
      if (
        progress?.phase === 'failed' &&
        progress.haltedRollout === true &&
        !(resumed !== undefined && Date.parse(resumed) >= Date.parse(progress.since))
      )
        return `${name} (halted at ${progress.since})`;
    }
    return undefined;
  }

  afterStep(): Violation | undefined {
    let out = 0;
    const outNames: string[] = [];
    for (const [name, node] of this.model.nodes) {
      const progress = progressOf(node);
      if (outOfServiceByKreboot(node)) {
        out++;
        outNames.push(`${name}(${progress?.phase})`);
      }
      if (this.adminCordoned.has(name) && !unschedulable(node))
        this.fail(
          'admin-cordon-kept',
          `${name} was cordoned by an admin before kreboot started on it and is now schedulable (state ${progress?.phase}: ${progress?.reason})`,
        );
      if (unschedulable(node) && !this.adminCordoned.has(name) && !isOutOfService(progress)) {
        this.fail(
          'cordon-has-record',
          `${name} is unschedulable, no admin cordoned it, and its state record (${progress ? `${progress.phase}: ${progress.reason}` : 'none'}) does not explain it`,
        );
      }
      const before = this.phases.get(name);
      if (
        progress?.phase === 'cordoned' &&
        before !== 'cordoned' &&
        !isInFlight(before === undefined ? undefined : ({ phase: before } as NodeProgress)) &&
        this.haltedBefore
      ) {
        this.fail(
          'halt-holds',
          `${name} was cordoned while the rollout was halted by ${this.haltedBefore} and no resume came after the halt`,
        );
      }
      if (progress?.phase === 'done' && before !== 'done') this.completions.set(name, (this.completions.get(name) ?? 0) + 1);
      this.phases.set(name, progress?.phase);
    }
    if (out > this.settings.concurrency)
      this.fail('concurrency', `${out} nodes out of service (${outNames.join(', ')}), --concurrency is ${this.settings.concurrency}`);
    this.haltedBefore = this.unresumedHalt();
    return this.violation;
  }
}
