// The safety properties the simulation checks after every step, each a named check on the
// model's truth (never on a controller's memory), so a failure says which property broke:
//   concurrency            nodes kreboot has out of service ≤ --concurrency
//   drained-before-reboot  no reboot job is executed on a node with pods that must leave (unless --force-reboot)
//   reboots-per-request    at most --max-reboot-attempts executed reboot jobs per request (per alert episode for remediation)
//   zone-cap               per zone, nodes kreboot has out of service ≤ --max-unavailable-per-zone (a zone
//                          is a node's current label; a node relabelled while out is not held against a zone)
//   pool-cap               with node pools (docs/pools.md): per pool, nodes out of service ≤ its concurrency,
//                          and per zone within it ≤ its zone cap; a node counts in the pool its labels said
//                          when it went out (one whose pool labels changed while out, or in the 5 minutes
//                          before, is counted only in the total); in all, ≤ the sum of the pools' caps
//   drained-before-reboot  no reboot job is executed on a node with pods that must leave (unless --force-reboot)
//   reboots-per-request    at most --max-reboot-attempts executed reboot jobs per request (per alert episode for remediation)
//   halt-holds             after a node halted the rollout, no new node is cordoned until a resume after the
//                          halt — whatever happens to the halting node meanwhile (deleted, registered again);
//                          while two controllers act at once, a start whose slot was written before the halt
//                          may still land its cordon (test/sim/README.md, "Limits")
//   recovery-holds         while a recovery policy works on a node that did not come back (rebooted again,
//                          waited for, handed to remediation; its Node perhaps deleted and not yet replaced),
//                          no new node is cordoned (ADR 0020)
//   admin-cordon-kept      a node an admin cordoned before kreboot started on it stays unschedulable
//   cordon-has-record      a node kreboot made unschedulable has a kreboot.dev/state record explaining it
//   hook-once              no hook Job is created twice (its deterministic name, across crashes and restarts)
//   hooks-ran              a node drained (or rebooted) in a round had its pre-drain hooks (Job, host command
//                          its agent advertises) succeed in that round, and a node done after its reboot had
//                          its post-reboot hooks succeed in it
//   silence-bounded        every silence kreboot writes in Alertmanager ends, within the bound docs promise
//                          (the drain allowance, the reboot timeout and 5 min from the moment it is written)
//   silence-on-reboot      a silence is written only for a node kreboot is rebooting: out of service, or
//                          holding a slot in the lock at that moment; or, written on a view that lagged
//                          (the node deleted and registered again meanwhile), expired by kreboot within
//                          STRAY_SILENCE_MS once its write did not land
// Liveness (every request completes once faults stop) is checked by the run itself (simulation.ts).

import type { V1Node } from '@kubernetes/client-node';
import { readRollout } from '../../src/store/rollout-record.ts';
import { registeredSince } from '../../src/controller/lock/recovering-record.ts';
import { isInFlight, isOutOfService, isRecovering, parseProgress, type NodeProgress } from '../../src/store/node-progress.ts';
import { matchesLabelSelector } from '../../src/kube/label-selector.ts';
import { parseLock } from '../../src/store/lock-record.ts';

/** A node whose pool labels changed this shortly before it went out may have started on a view from before. */
const POOL_RELABEL_LAG_MS = 5 * 60_000;
import { parseRequest } from '../../src/store/reboot-request.ts';
import { exempt } from '../../src/controller/steps/drain.ts';
import { AGENT, CONTROLLER } from '../../src/store/keys.ts';
import { recordedSilences } from '../../src/store/silence-record.ts';
import type { SilenceMatcher } from '../../src/alertmanager/alertmanager-client.ts';
import type { ControllerConfig } from '../../src/config/controller-config.ts';
import type { AgentObserver } from './agent-model.ts';
import type { ApiModel } from './api-model.ts';
import type { SilenceObserver, StoredSilence } from './outside.ts';
import type { JobModel } from './job-model.ts';
import { parseHookRuns, parseHostHooks, type HookPoint } from '../../src/store/hook-records.ts';

export type CheckName =
  | 'concurrency'
  | 'zone-cap'
  | 'pool-cap'
  | 'drained-before-reboot'
  | 'reboots-per-request'
  | 'halt-holds'
  | 'recovery-holds'
  | 'admin-cordon-kept'
  | 'cordon-has-record'
  | 'silence-bounded'
  | 'silence-on-reboot'
  | 'hook-once'
  | 'hooks-ran'
  | 'liveness';

/** What the checks read of the controller's configuration. */
export type CheckedConfig = Pick<
  ControllerConfig,
  'concurrency' | 'maxRebootAttempts' | 'forceReboot' | 'topology' | 'rebootTimeoutMs' | 'hooks' | 'pools'
> & {
  readonly lock: Pick<ControllerConfig['lock'], 'annotation'>;
  readonly drain: Pick<ControllerConfig['drain'], 'timeoutMs'>;
};

/** The silence bound docs/design.md promises: the drain (an hour when unlimited), the reboot timeout, 5 minutes. */
export function silenceBoundMs(config: CheckedConfig): number {
  return (config.drain.timeoutMs > 0 ? config.drain.timeoutMs : 3_600_000) + config.rebootTimeoutMs + 5 * 60_000;
}

/**
 * How long a silence written on a lagging view (for a node kreboot is not rebooting) may stay: the
 * runner expires it as soon as its node write fails, a slow Alertmanager answer included.
 */
const STRAY_SILENCE_MS = 30_000;

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

export class Invariants implements AgentObserver, SilenceObserver {
  private readonly model: ApiModel;
  private readonly config: CheckedConfig;
  /** Nodes an admin cordoned (never uncordoned by the admin in the simulation; forgotten with a deleted Node). */
  readonly adminCordoned = new Set<string>();
  /** The node a silence is for, from its matchers (set by the run). */
  silenceNode: (matchers: readonly SilenceMatcher[]) => string | undefined = () => undefined;
  /** Halts not yet covered by a resume, by node and time: kept when the halting Node is deleted. */
  /** `dsUid`: the lock DaemonSet that existed when the halt was first seen. */
  private readonly halts = new Map<string, { node: string; since: string; dsUid: string | undefined }>();
  private readonly resumedHalts = new Set<string>();
  private dsUid: string | undefined;
  /** Nodes relabelled to another zone while kreboot had them out of service. */
  private readonly movedWhileOut = new Set<string>();
  private readonly zoneOfOut = new Map<string, string>();
  /** Executed reboot jobs per request (or per remediation alert episode). */
  readonly executions = new Map<string, number>();
  private readonly phases = new Map<string, string | undefined>();
  private readonly completions = new Map<string, number>();
  /** Times each Node was deleted (and so registered again as a new object). */
  private readonly registrations = new Map<string, number>();
  private haltedBefore: string | undefined;
  /**
   * The nodes that held one of kreboot's slots when the halt was recorded while two controllers
   * acted (the overlapping-leader fault): a start the old leader decided before the halt — its slot
   * written before the halt on the same lock record — may land its cordon after it.
   */
  private startedBeforeHalt: ReadonlySet<string> = new Set();
  /** Whether more than one controller acts now (set by the simulation). */
  leadersOverlap: () => boolean = () => false;
  private recoveringBefore: string | undefined;
  private readonly strays = new Map<string, { silence: StoredSilence; at: number; node: string | undefined }>();
  violation: Violation | undefined;
  rebootsStarted = 0;
  private rolloutOf: object | undefined;
  private rollout: ReturnType<typeof readRollout> | undefined;

  private readonly jobs: JobModel | undefined;

  constructor(model: ApiModel, config: CheckedConfig, jobs?: JobModel) {
    this.model = model;
    this.config = config;
    this.jobs = jobs;
    for (const [name, node] of model.nodes) this.phases.set(name, progressOf(node)?.phase);
  }

  private fail(check: CheckName, detail: string): void {
    this.violation ??= { check, detail };
  }

  rebootStarted(node: V1Node, jobId: string): void {
    const name = node.metadata!.name!;
    this.rebootsStarted++;
    if (!this.config.forceReboot) {
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
    // A Node deleted and registered again is a new object with new requests: its own count.
    const object = `${name}${this.registrations.get(name) ? ` (registration ${this.registrations.get(name)! + 1})` : ''}`;
    const key =
      request?.kind === 'remediation' && request.fingerprint && request.startsAt
        ? `${object} remediation episode ${request.fingerprint}@${request.startsAt}`
        : request
          ? `${object} request ${request.kind}@${request.at}`
          : `${object} reboot-required report after completion #${this.completions.get(name) ?? 0}`;
    const count = (this.executions.get(key) ?? 0) + 1;
    this.executions.set(key, count);
    if (count > this.config.maxRebootAttempts)
      this.fail('reboots-per-request', `${key}: ${count} reboot jobs executed, --max-reboot-attempts is ${this.config.maxRebootAttempts}`);
  }

  /** The rollout record on the lock DaemonSet as it is now (undefined while it is deleted). */
  private currentRollout(): ReturnType<typeof readRollout> | undefined {
    if (this.rolloutOf !== this.model.daemonSet) {
      this.rolloutOf = this.model.daemonSet;
      this.rollout = this.model.daemonSet ? readRollout(this.model.daemonSet, this.config.lock.annotation) : undefined;
    }
    return this.rollout;
  }

  /**
   * The node and time of a halt no resume covers yet: every halt a node's record showed is
   * remembered until a resume after it, so a halt outlives its Node (deleted, registered again).
   */
  unresumedHalt(): string | undefined {
    // Asked after every step and by the calm phase's operator before the next: the same model
    // gives the same answer (what it remembers changes only with the model), so it is kept.
    if (this.model.version === this.haltVersion) return this.haltAnswer;
    this.haltVersion = this.model.version;
    this.haltAnswer = this.findUnresumedHalt();
    return this.haltAnswer;
  }

  private haltVersion = -1;
  private haltAnswer: string | undefined;

  private findUnresumedHalt(): string | undefined {
    const ds = this.model.daemonSet;
    if (ds && ds.metadata?.uid !== this.dsUid) {
      // The lock DaemonSet was deleted and created again (an uninstall): the halt it carried is
      // gone with it, and a halt whose Node record is gone too (deleted, registered again) has
      // nothing left to hold it. A documented limit (test/sim/README.md), not a check.
      if (this.dsUid !== undefined)
        for (const [key, halt] of this.halts) {
          const progress = this.model.nodes.get(halt.node) ? progressOf(this.model.nodes.get(halt.node)!) : undefined;
          if (progress?.since !== halt.since) this.halts.delete(key);
        }
      this.dsUid = ds.metadata?.uid;
    }
    const resumed = this.currentRollout()?.resumed?.at;
    const covered = (since: string) => resumed !== undefined && Date.parse(resumed) >= Date.parse(since);
    for (const [name, node] of this.model.nodes) {
      const progress = progressOf(node);
      const key = `${name}@${progress?.since}`;
      // A halt once resumed stays resumed, even if the resume's record is lost later.
      const halts = progress?.haltedRollout === true || progress?.holdsRollout === true;
      if (progress?.phase === 'failed' && halts && !covered(progress.since) && !this.resumedHalts.has(key) && !this.halts.has(key))
        this.halts.set(key, { node: name, since: progress.since, dsUid: this.dsUid });
    }
    let first: string | undefined;
    // A gate's halt (the workload gate's timeout) lives on the lock DaemonSet only: a halt recorded
    // there that no node's failure explains, and that no resume has covered, holds too.
    const recorded = this.currentRollout()?.halted;
    if (recorded && recorded.at !== '' && !covered(recorded.at)) {
      const node = this.model.nodes.get(recorded.node);
      const progress = node ? progressOf(node) : undefined;
      if (!(progress?.haltedRollout === true && progress.since === recorded.at))
        first = `${recorded.node} (a gate's halt at ${recorded.at})`;
    }
    for (const [key, halt] of this.halts) {
      // The same limit in the other order: the lock DaemonSet re-created first (no controller acted
      // before the halting Node went too, so none could keep the halt on the new one).
      const node = this.model.nodes.get(halt.node);
      const nodeLost = !node || progressOf(node)?.since !== halt.since;
      const kept = recorded?.node === halt.node && recorded.at === halt.since;
      if (nodeLost && !kept && halt.dsUid !== this.dsUid) {
        this.halts.delete(key);
        continue;
      }
      if (covered(halt.since)) {
        this.halts.delete(key);
        this.resumedHalts.add(key);
      } else
        first ??= `${halt.node} (halted at ${halt.since}${this.model.nodes.get(halt.node) ? '' : '; its Node has been deleted since'})`;
    }
    return first;
  }

  /** The Node was deleted: an admin's cordon goes with the object. */
  nodeDeleted(name: string): void {
    this.adminCordoned.delete(name);
    this.phases.set(name, undefined);
    this.completions.delete(name);
    this.registrations.set(name, (this.registrations.get(name) ?? 0) + 1);
  }

  /** Whether the lock DaemonSet records a pause (an operator's, or kured's foreign holder is not counted). */
  paused(): boolean {
    return this.currentRollout()?.paused !== undefined;
  }

  /** Whether the lock DaemonSet records a halt (what the status shows an operator). */
  haltRecorded(): boolean {
    return this.currentRollout()?.halted !== undefined;
  }

  /**
   * A node a recovery policy works on: in flight under a recovery (its record), or gone with its
   * recovery kept on the lock DaemonSet and no replacement registered yet.
   */
  recovering(): string | undefined {
    for (const [name, node] of this.model.nodes) if (isRecovering(progressOf(node))) return name;
    const kept = this.currentRollout()?.recovering ?? [];
    const gone = kept.find((entry) => !this.model.nodes.has(entry.node));
    if (!gone) return undefined;
    // The product's rule for "a replacement registered" (to the second, as the API server stamps it).
    const replaced = [...this.model.nodes.values()].some((node) =>
      registeredSince(node.metadata?.creationTimestamp ? String(node.metadata.creationTimestamp) : undefined, gone.at),
    );
    return replaced ? undefined : `${gone.node} (deleted, no replacement yet)`;
  }

  /** Nodes whose pool labels changed, and when (an outside writer). */
  private readonly poolRelabels = new Map<string, number>();
  private readonly poolOfOut = new Map<string, string | undefined>();
  private readonly poolMovedWhileOut = new Set<string>();

  /** The labels a node's pool is read from changed (an outside writer). */
  poolRelabelled(name: string): void {
    this.poolRelabels.set(name, this.model.now());
    if (this.poolOfOut.has(name)) this.poolMovedWhileOut.add(name);
  }

  /** The pool a node's labels say (the first whose selector matches; none: the default pool). */
  private poolByLabels(node: V1Node): string {
    const pools = this.config.pools!;
    const labels = node.metadata?.labels ?? {};
    return pools.slice(1).find((pool) => matchesLabelSelector(pool.nodeSelector, labels))?.name ?? pools[0]!.name;
  }

  /** pool-cap: per pool and per zone within it, out of service ≤ its limits; in all ≤ the sum. */
  private checkPools(): void {
    const pools = this.config.pools!;
    const now = this.model.now();
    const outByPool = new Map<string, string[]>();
    let total = 0;
    for (const name of this.poolOfOut.keys()) if (!this.model.nodes.has(name)) this.poolOfOut.delete(name);
    for (const [name, node] of this.model.nodes) {
      if (!outOfServiceByKreboot(node)) {
        // Relabelled while out, it may start its next round in the pool it held a slot in, in the
        // same cycle that ended this one: counted only in the total for a while, like a relabel.
        if (this.poolMovedWhileOut.delete(name)) this.poolRelabels.set(name, now);
        this.poolOfOut.delete(name);
        continue;
      }
      total++;
      if (!this.poolOfOut.has(name)) {
        const moved = now - (this.poolRelabels.get(name) ?? -Infinity) < POOL_RELABEL_LAG_MS;
        this.poolOfOut.set(name, moved ? undefined : this.poolByLabels(node));
      }
      const pool = this.poolOfOut.get(name);
      if (pool !== undefined && !this.poolMovedWhileOut.has(name)) outByPool.set(pool, [...(outByPool.get(pool) ?? []), name]);
    }
    const sum = pools.reduce((all, pool) => all + pool.concurrency, 0);
    if (total > sum) this.fail('pool-cap', `${total} nodes out of service, the pools' caps add up to ${sum}`);
    for (const pool of pools) {
      const out = outByPool.get(pool.name) ?? [];
      if (out.length > pool.concurrency)
        this.fail(
          'pool-cap',
          `pool ${pool.name}: ${out.length} nodes out of service (${out.join(', ')}), its concurrency is ${pool.concurrency}`,
        );
      const cap = pool.topology.maxUnavailablePerZone;
      if (cap <= 0) continue;
      const byZone = new Map<string, string[]>();
      for (const name of out) {
        const zone = this.model.nodes.get(name)?.metadata?.labels?.[pool.topology.zoneLabel] ?? '';
        byZone.set(zone, [...(byZone.get(zone) ?? []), name]);
      }
      for (const [zone, nodes] of byZone)
        if (nodes.length > cap && !nodes.some((name) => this.movedWhileOut.has(name)))
          this.fail(
            'pool-cap',
            `pool ${pool.name}: ${nodes.length} nodes of zone ${zone || '(none)'} out (${nodes.join(', ')}), its zone cap is ${cap}`,
          );
    }
  }

  /** The node's zone label changed (an outside writer). */
  relabelled(name: string): void {
    if (this.zoneOfOut.has(name)) this.movedWhileOut.add(name);
  }

  /** The nodes kreboot is rebooting now: out of service by its records, or holding a slot in the lock. */
  rebooting(): ReadonlySet<string> {
    const nodes = new Set<string>(this.currentRollout()?.lock?.holders.map((holder) => holder.nodeID) ?? []);
    // With pools, a slot in any pool's lock.
    for (const pool of this.config.pools ?? [])
      for (const holder of parseLock(this.model.daemonSet?.metadata?.annotations?.[pool.lockAnnotation])?.holders ?? [])
        nodes.add(holder.nodeID);
    for (const [name, node] of this.model.nodes) if (outOfServiceByKreboot(node)) nodes.add(name);
    return nodes;
  }

  silenceWritten(silence: StoredSilence, at: number, asked: boolean): void {
    const node = this.silenceNode(silence.matchers);
    const bound = silenceBoundMs(this.config);
    if (!Number.isFinite(silence.endsAt) || silence.endsAt - at > bound)
      this.fail(
        'silence-bounded',
        `silence ${silence.id} for ${node ?? 'an unknown node'} written at ${new Date(at).toISOString()} ends ${Number.isFinite(silence.endsAt) ? new Date(silence.endsAt).toISOString() : 'never'}, more than ${bound / 60_000} min later`,
      );
    // Not being rebooted: tolerated only if kreboot takes it back at once (afterStep checks).
    if (!asked) this.strays.set(silence.id, { silence, at, node });
  }

  /** Silences written for a node kreboot was not rebooting: each must be expired within STRAY_SILENCE_MS. */
  private checkStrays(now: number): void {
    for (const [id, { silence, at, node }] of this.strays) {
      if (silence.endsAt <= now) {
        this.strays.delete(id);
        continue;
      }
      const truth = node === undefined ? undefined : this.model.nodes.get(node);
      // Asked for on a view that lagged (its slot's record lost with a re-created lock DaemonSet),
      // but its start landed: the node is out of service and its record lists the silence, so it
      // silences a node kreboot is rebooting, and ends with that reboot like any other.
      if (truth && outOfServiceByKreboot(truth) && recordedSilences(truth.metadata?.annotations).includes(id)) {
        this.strays.delete(id);
        continue;
      }
      if (now - at <= STRAY_SILENCE_MS) continue;
      const progress = truth ? progressOf(truth) : undefined;
      this.fail(
        'silence-on-reboot',
        `silence ${silence.id} written for ${node ?? 'an unknown node'}, which kreboot was not rebooting when it asked, still in force ${Math.round((now - at) / 1000)} s later (now: ${!truth ? 'no such Node' : `state ${progress ? `${progress.phase}: ${progress.reason}` : 'none'}`})`,
      );
    }
  }

  /** The model's version the node checks last ran on (ApiModel.version). */
  private checkedVersion = -1;

  afterStep(): Violation | undefined {
    if (this.strays.size > 0) this.checkStrays(this.model.now());
    // The checks below read only the Nodes and the lock DaemonSet (and what the run tells them
    // together with a write to those: a cordon by an admin, a relabel, a deletion), so a step that
    // changed neither gives the same verdicts: most steps deliver watch events, complete reads or
    // move time, and skipping them is what makes the checks incremental (issue 25).
    if (this.model.version !== this.checkedVersion) {
      this.checkedVersion = this.model.version;
      this.checkNodes();
    }
    for (const [job, count] of this.jobs?.created ?? [])
      if (count > 1) this.fail('hook-once', `hook Job ${job} was created ${count} times`);
    return this.violation;
  }

  /** Every check on the Nodes and the lock DaemonSet, run after a step that changed either. */
  private checkNodes(): void {
    let out = 0;
    const outNames: string[] = [];
    const { zoneLabel, maxUnavailablePerZone } = this.config.topology;
    const outByZone = new Map<string, string[]>();
    for (const name of this.zoneOfOut.keys()) if (!this.model.nodes.has(name)) this.zoneOfOut.delete(name);
    for (const [name, node] of this.model.nodes) {
      const progress = progressOf(node);
      if (outOfServiceByKreboot(node)) {
        out++;
        outNames.push(`${name}(${progress?.phase})`);
        const zone = node.metadata?.labels?.[zoneLabel] ?? '';
        outByZone.set(zone, [...(outByZone.get(zone) ?? []), name]);
        if (!this.zoneOfOut.has(name)) this.zoneOfOut.set(name, zone);
      } else {
        this.zoneOfOut.delete(name);
        this.movedWhileOut.delete(name);
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
        this.haltedBefore &&
        !this.startedBeforeHalt.has(name)
      ) {
        this.fail(
          'halt-holds',
          `${name} was cordoned while the rollout was halted by ${this.haltedBefore} and no resume came after the halt`,
        );
      }
      if (
        progress?.phase === 'cordoned' &&
        before !== 'cordoned' &&
        !isInFlight(before === undefined ? undefined : ({ phase: before } as NodeProgress)) &&
        this.recoveringBefore
      ) {
        this.fail('recovery-holds', `${name} was cordoned while the rollout waited on the recovery of ${this.recoveringBefore}`);
      }
      if (progress?.phase === 'done' && before !== 'done') this.completions.set(name, (this.completions.get(name) ?? 0) + 1);
      this.checkHooksRan(name, node, progress, before);
      this.phases.set(name, progress?.phase);
    }
    const pooled = (this.config.pools?.length ?? 0) > 1;
    if (pooled) this.checkPools();
    else if (out > this.config.concurrency)
      this.fail('concurrency', `${out} nodes out of service (${outNames.join(', ')}), --concurrency is ${this.config.concurrency}`);
    if (maxUnavailablePerZone > 0 && !pooled)
      for (const [zone, nodes] of outByZone)
        if (nodes.length > maxUnavailablePerZone && !nodes.some((name) => this.movedWhileOut.has(name)))
          this.fail(
            'zone-cap',
            `${nodes.length} nodes of ${zone === '' ? 'the nodes without a zone' : `zone ${zone}`} out of service (${nodes.join(', ')}), --max-unavailable-per-zone is ${maxUnavailablePerZone}`,
          );
    const halted = this.unresumedHalt();
    if (halted === undefined) this.startedBeforeHalt = new Set();
    else if (this.haltedBefore === undefined) this.startedBeforeHalt = this.leadersOverlap() ? new Set(this.rebooting()) : new Set();
    this.haltedBefore = halted;
    this.recoveringBefore = this.recovering();
  }

  /** hooks-ran: the hook Jobs of the point just passed succeeded in this round. */
  private checkHooksRan(name: string, node: V1Node, progress: NodeProgress | undefined, before: string | undefined): void {
    const jobs = this.config.hooks?.jobs ?? {};
    const round = progress?.startedAt;
    if (!progress || !round || before === progress.phase) return;
    const advertised = parseHostHooks(node.metadata?.annotations?.[AGENT.hostHooks]);
    const check = (point: HookPoint) => {
      const runs = parseHookRuns(node.metadata?.annotations?.[CONTROLLER.hooks]);
      for (const kind of ['job', 'host'] as const) {
        if (kind === 'job' ? !jobs[point] : !advertised.has(point)) continue;
        if (!runs.some((run) => run.point === point && run.kind === kind && run.round === round && run.outcome === 'succeeded'))
          this.fail(
            'hooks-ran',
            `${name} went ${before} → ${progress.phase} in the round of ${round} without a succeeded ${point} ${kind} hook (runs: ${JSON.stringify(runs)})`,
          );
      }
    };
    if ((progress.phase === 'draining' || progress.phase === 'rebooting') && (before === 'cordoned' || before === 'draining'))
      check('pre-drain');
    if (progress.phase === 'done' && before === 'verifying') check('post-reboot');
  }
}
