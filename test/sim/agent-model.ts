// The node agents and their hosts, simulated inside the model (the real agent is not run): each
// reports reboot-required, sentinel-checked-at and boot-id in one write, reports again when the
// controller asks (check-requested-at), and runs a reboot job by ADR 0002 with the real
// decideJob(): acknowledged, then started, then the host reboots (NotReady, Ready, and some
// seconds later a fresh report from the agent's replacement pod with the new boot ID). Behaviours:
// normal, the reboot command fails, the host hangs (never reboots), the host never comes back, the
// sentinel stays set after the reboot. Going down, the kubelet's graceful shutdown (usually) fails
// the node's pods first; the Node turns NotReady, and Unknown 40 s later while the host is still
// down. Faults from outside: the host reboots by itself (a kernel panic, a cloud's maintenance),
// and its Node is deleted and, perhaps, registered again (a new host under the same name).
// Host hooks (ADR 0019): an agent may have a command for a hook point, advertises it, and runs the
// host hook the controller hands out with the real decideHostHook(): started, then (seconds later)
// succeeded or, while faults run, failed or never finishing; a host that goes down meanwhile
// forgets it, and its agent reports it failed when it is back.

import type { V1Node } from '@kubernetes/client-node';
import { decideJob } from '../../src/agent/jobs/decide-job.ts';
import { jobStatusAnnotation, readJob, readJobStatus, type JobStatus } from '../../src/store/job-records.ts';
import { AGENT, CONTROLLER } from '../../src/store/keys.ts';
import type { ApiModel } from './api-model.ts';
import { decideHostHook } from '../../src/agent/hooks/decide-hook.ts';
import { hostHookStatusAnnotation, readHostHookJob, readHostHookStatus, type HookPoint } from '../../src/store/hook-records.ts';
import type { Scheduler } from './scheduler.ts';

/**
 * The records an agent reads from its Node, parsed once per Node object: the model's objects are
 * frozen and never change in place, and every agent looks at its Node on every step (issue 25).
 */
interface AgentRecords {
  readonly hookJob: ReturnType<typeof readHostHookJob>;
  readonly hookStatus: ReturnType<typeof readHostHookStatus>;
  readonly job: ReturnType<typeof readJob>;
  readonly jobStatus: ReturnType<typeof readJobStatus>;
}
const parsed = new WeakMap<V1Node, AgentRecords>();
function recordsOf(node: V1Node): AgentRecords {
  let records = parsed.get(node);
  if (!records) {
    const annotations = node.metadata?.annotations ?? {};
    records = {
      hookJob: readHostHookJob(annotations),
      hookStatus: readHostHookStatus(annotations),
      job: readJob(annotations),
      jobStatus: readJobStatus(annotations),
    };
    parsed.set(node, records);
  }
  return records;
}

export type Behaviour = 'normal' | 'fail' | 'hang' | 'lost' | 'sentinel-stays';
export const BEHAVIOURS: readonly Behaviour[] = ['normal', 'fail', 'hang', 'lost', 'sentinel-stays'];

export interface AgentObserver {
  /** The agent wrote `started` and is about to run the reboot command. */
  rebootStarted(node: V1Node, jobId: string): void;
}

export class Agent {
  readonly node: string;
  behaviour: Behaviour = 'normal';
  boot = 1;
  /** The host's reboot-required sentinel. */
  sentinel = false;
  /** Host up and agent running. */
  up = true;
  private lastCheckSeen: string | undefined;
  reportWanted = false;
  /** A started job whose reboot the host has not performed (hang) or a host that is down for good (lost). */
  stuck: 'hang' | 'lost' | undefined;
  /** Faults have stopped: a host going down now comes back. */
  private healed = false;
  /** Bumped when the Node is deleted: the old host's pending events no longer apply. */
  private epoch = 0;
  private readonly model: ApiModel;
  private readonly scheduler: Scheduler;
  private readonly observer: AgentObserver;
  /** The hook points this agent has a host command for (ADR 0019), and its host hooks running now. */
  hostHooks: ReadonlySet<HookPoint> = new Set();
  private readonly runningHooks = new Set<string>();
  /** Draws the host hooks' outcomes apart from the main stream (the runs of seeds without hooks stay as they were). */
  hookRandom: () => number = () => 0;

  constructor(node: string, model: ApiModel, scheduler: Scheduler, observer: AgentObserver) {
    this.node = node;
    this.model = model;
    this.scheduler = scheduler;
    this.observer = observer;
  }

  bootId(): string {
    return `${this.node}-boot-${this.boot}`;
  }

  /** The annotations of a first report, for the initial Node. */
  initialReport(at: number): Record<string, string> {
    return {
      [AGENT.rebootRequired]: String(this.sentinel),
      [AGENT.sentinelCheckedAt]: new Date(at).toISOString(),
      [AGENT.bootId]: this.bootId(),
      ...(this.hostHooks.size > 0 ? { [AGENT.hostHooks]: [...this.hostHooks].sort().join(',') } : {}),
    };
  }

  private truth(): V1Node | undefined {
    return this.model.nodes.get(this.node);
  }

  /** Runs `run` at `at` unless the Node was deleted meanwhile (the host it was for is gone). */
  private later(at: number, label: string, run: () => void): void {
    const epoch = this.epoch;
    this.scheduler.at(at, label, () => {
      if (epoch === this.epoch) run();
    });
  }

  /** What this agent would do now, if anything: one atomic write per step. */
  next(): { label: string; run: () => void } | undefined {
    if (!this.up) return undefined;
    const node = this.truth();
    if (!node) return undefined;
    const annotations = node.metadata?.annotations ?? {};
    const requested = annotations[CONTROLLER.checkRequestedAt];
    if (this.reportWanted || requested !== this.lastCheckSeen) {
      return {
        label: `agent ${this.node}: report reboot-required=${this.sentinel}${requested !== this.lastCheckSeen ? ' (check requested)' : ''}`,
        run: () => this.report(requested),
      };
    }
    const now = new Date(this.scheduler.now);
    const records = recordsOf(node);
    const hook = decideHostHook(records.hookJob, records.hookStatus, this.runningHooks, this.hostHooks, now);
    if (hook.act !== 'none') {
      const { id } = hook.job;
      return {
        label: `agent ${this.node}: host hook ${hook.job.point} ${hook.act === 'run' ? 'started' : `failed (${hook.reason})`}`,
        run: () => {
          const state = hook.act === 'run' ? 'started' : 'failed';
          this.model.patchNode(this.node, {
            metadata: {
              resourceVersion: node.metadata?.resourceVersion,
              annotations: hostHookStatusAnnotation({
                id,
                state,
                at: now.toISOString(),
                ...(hook.act === 'fail' ? { message: hook.reason } : {}),
              }),
            },
          });
          if (hook.act === 'run') this.runHook(id);
        },
      };
    }
    const decision = decideJob(records.job, records.jobStatus, this.bootId(), now);
    if (!decision.act) return undefined;
    const status = (state: JobStatus['state'], extra: Partial<JobStatus> = {}): Record<string, string> =>
      jobStatusAnnotation({ id: decision.job.id, state, at: now.toISOString(), bootId: this.bootId(), ...extra });
    if (!decision.acknowledged) {
      return {
        label: `agent ${this.node}: acknowledge job`,
        run: () =>
          this.model.patchNode(this.node, {
            metadata: { resourceVersion: node.metadata?.resourceVersion, annotations: status('acknowledged') },
          }),
      };
    }
    return {
      label: `agent ${this.node}: start job (${this.behaviour})`,
      run: () => {
        const written = this.model.patchNode(this.node, {
          metadata: { resourceVersion: node.metadata?.resourceVersion, annotations: status('started') },
        });
        this.observer.rebootStarted(written, decision.job.id);
        this.execute(decision.job.id, status);
      },
    };
  }

  /** The host hook's command runs: it ends seconds later, failing or never ending in some runs while faults run. */
  private runHook(id: string): void {
    this.runningHooks.add(id);
    const roll = this.hookRandom();
    if (!this.healed && roll < 0.1) return; // hangs: the controller's hook timeout ends it
    const ok = this.healed || roll >= 0.25;
    const boot = this.boot;
    this.later(
      this.scheduler.now + 1000 + Math.floor(this.hookRandom() * 20_000),
      `host ${this.node}: host hook ${ok ? 'succeeded' : 'failed'}`,
      () => {
        if (!this.runningHooks.delete(id) || boot !== this.boot || !this.up) return;
        const current = this.truth();
        const recorded = readHostHookStatus(current?.metadata?.annotations);
        if (!current || recorded.state !== 'ok' || recorded.value.id !== id || recorded.value.state !== 'started') return;
        this.model.patchNode(this.node, {
          metadata: {
            resourceVersion: current.metadata?.resourceVersion,
            annotations: hostHookStatusAnnotation({
              id,
              state: ok ? 'succeeded' : 'failed',
              at: new Date(this.scheduler.now).toISOString(),
              ...(ok ? {} : { exitCode: 1, message: 'simulated hook failure' }),
            }),
          },
        });
      },
    );
  }

  private report(requested: string | undefined): void {
    this.reportWanted = false;
    this.lastCheckSeen = requested;
    this.model.patchNode(this.node, {
      metadata: {
        annotations: {
          [AGENT.rebootRequired]: String(this.sentinel),
          [AGENT.sentinelCheckedAt]: new Date(this.scheduler.now).toISOString(),
          [AGENT.bootId]: this.bootId(),
          [AGENT.hostHooks]: this.hostHooks.size > 0 ? [...this.hostHooks].sort().join(',') : null,
        },
      },
    });
  }

  private execute(jobId: string, status: (state: JobStatus['state'], extra?: Partial<JobStatus>) => Record<string, string>): void {
    const s = this.scheduler;
    switch (this.behaviour) {
      case 'fail':
        this.later(s.now + 500 + s.int(3000), `host ${this.node}: reboot command failed`, () => {
          const current = this.truth();
          if (!current) return;
          const recorded = readJobStatus(current.metadata?.annotations);
          if (recorded.state !== 'ok' || recorded.value.id !== jobId || recorded.value.state !== 'started') return;
          this.model.patchNode(this.node, {
            metadata: {
              resourceVersion: current.metadata?.resourceVersion,
              annotations: status('failed', { exitCode: 1, message: 'simulated failure' }),
            },
          });
        });
        return;
      case 'hang':
        this.stuck = 'hang';
        return;
      case 'lost':
        this.goDown(s.now + 500 + s.int(5000), false, false);
        return;
      default:
        this.goDown(s.now + 500 + s.int(5000), true, this.behaviour === 'sentinel-stays');
    }
  }

  /**
   * The host goes down and, unless lost, boots again later with a new boot ID. The Node turns
   * NotReady and the kubelet's graceful shutdown (most of the time: a crash skips it) fails the
   * pods; Unknown once the node lifecycle controller has missed 40 s of heartbeats.
   */
  private goDown(at: number, comesBack: boolean, keepSentinel: boolean, why = 'for the reboot'): void {
    const s = this.scheduler;
    this.pendingDown = true;
    this.later(at, `host ${this.node}: going down ${why}`, () => {
      this.pendingDown = false;
      this.up = false;
      // The agent's process goes with the host: what it ran is forgotten (reported failed once back).
      this.runningHooks.clear();
      const downs = ++this.downs;
      // The shutting-down kubelet reports NotReady first, so nothing new is scheduled there.
      this.model.setNodeStatus(this.node, 'False', new Date(s.now).toISOString());
      if (s.chance(0.8)) this.model.shutDownPods(this.node);
      this.later(s.now + 40_000, `node ${this.node}: Ready Unknown (no heartbeat)`, () => {
        if (downs === this.downs && !this.booted) this.model.setNodeStatus(this.node, 'Unknown', new Date(s.now).toISOString());
      });
      this.booted = false;
      if (comesBack || this.healed) this.comeBack(s.now + 20_000 + s.int(120_000), keepSentinel && !this.healed);
      else this.stuck = 'lost';
    });
  }

  private downs = 0;
  /** The host booted since it last went down (its kubelet posts Ready again). */
  private booted = true;
  /** A shutdown is on its way (the reboot command ran). */
  private pendingDown = false;

  private comeBack(at: number, keepSentinel: boolean): void {
    const s = this.scheduler;
    this.later(at, `host ${this.node}: booted${keepSentinel ? ' (sentinel still set)' : ''}`, () => {
      this.boot++;
      this.booted = true;
      if (!keepSentinel) this.sentinel = false;
      this.stuck = undefined;
      this.model.setNodeStatus(this.node, 'True', new Date(s.now).toISOString());
      this.agentStarts();
    });
  }

  /**
   * As on real nodes (docs/e2e.md, "Real nodes"): graceful shutdown failed the agent's pod, so
   * the node is Ready before the DaemonSet's replacement agent runs and reports the new boot.
   */
  private agentStarts(): void {
    const s = this.scheduler;
    this.later(s.now + 1000 + s.int(40_000), `agent ${this.node}: the replacement pod runs`, () => {
      this.up = true;
      this.reportWanted = true;
    });
  }

  /** Fault: the host reboots by itself (a kernel panic, a cloud's maintenance); an update may be applied. */
  rebootsByItself(): boolean {
    if (!this.up || this.stuck || this.pendingDown || !this.booted || !this.truth()) return false;
    this.goDown(this.scheduler.now, true, this.sentinel && this.scheduler.chance(0.5), 'by itself');
    return true;
  }

  /** Fault: the Node object is deleted; the host behind it is gone (its pending events with it). */
  nodeDeleted(): void {
    this.epoch++;
    this.up = false;
    this.runningHooks.clear();
    this.stuck = undefined;
    this.pendingDown = false;
    this.booted = true;
  }

  /**
   * A host registers the Node again under the same name: a new machine (new boot ID, its own
   * sentinel), a fresh Node object (Ready, without kreboot's records), then its agent reports.
   */
  register(labels: Record<string, string>): void {
    this.boot++;
    this.booted = true;
    if (this.scheduler.chance(0.5)) this.sentinel = false;
    this.model.addNode(this.node, { unschedulable: false, annotations: {}, labels });
    this.agentStarts();
  }

  /**
   * A node-repair controller acts on a node kreboot handed to it (--stuck-node-remediation-*): it
   * power-cycles the host, which comes back under a new boot (the sentinel cleared: repaired).
   */
  powerCycle(): boolean {
    if (!this.truth() || this.pendingDown) return false;
    const s = this.scheduler;
    this.stuck = undefined;
    if (this.booted) this.goDown(s.now, true, false, 'power-cycled by the repair controller');
    else this.comeBack(s.now + 20_000 + s.int(60_000), false);
    return true;
  }

  /** Faults stop: a hung host finally reboots, a lost one comes back; behaviour is normal from now on. */
  heal(): void {
    this.behaviour = 'normal';
    this.healed = true;
    const s = this.scheduler;
    if (this.stuck === 'hang') this.goDown(s.now + 1000 + s.int(5000), true, false);
    else if (this.stuck === 'lost') this.comeBack(s.now + 10_000 + s.int(60_000), false);
    this.stuck = undefined;
  }
}
