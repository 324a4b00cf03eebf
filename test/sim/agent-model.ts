// The node agents and their hosts, simulated inside the model (the real agent is not run): each
// reports reboot-required, sentinel-checked-at and boot-id in one write, reports again when the
// controller asks (check-requested-at), and runs a reboot job by ADR 0002 with the real
// decideJob(): acknowledged, then started, then the host reboots (NotReady, Ready, and some
// seconds later a fresh report from the agent's replacement pod with the new boot ID). Behaviours: normal, the reboot command fails, the host hangs (never reboots),
// the host never comes back, the sentinel stays set after the reboot.

import type { V1Node } from '@kubernetes/client-node';
import { decideJob } from '../../src/agent/jobs/decide-job.ts';
import { jobStatusAnnotation, readJob, readJobStatus, type JobStatus } from '../../src/store/job-records.ts';
import { AGENT, CONTROLLER } from '../../src/store/keys.ts';
import type { ApiModel } from './api-model.ts';
import type { Scheduler } from './scheduler.ts';

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
  private readonly model: ApiModel;
  private readonly scheduler: Scheduler;
  private readonly observer: AgentObserver;

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
    };
  }

  private truth(): V1Node {
    return this.model.readNode(this.node);
  }

  /** What this agent would do now, if anything: one atomic write per step. */
  next(): { label: string; run: () => void } | undefined {
    if (!this.up) return undefined;
    const node = this.truth();
    const annotations = node.metadata?.annotations ?? {};
    const requested = annotations[CONTROLLER.checkRequestedAt];
    if (this.reportWanted || requested !== this.lastCheckSeen) {
      return {
        label: `agent ${this.node}: report reboot-required=${this.sentinel}${requested !== this.lastCheckSeen ? ' (check requested)' : ''}`,
        run: () => this.report(requested),
      };
    }
    const now = new Date(this.scheduler.now);
    const decision = decideJob(readJob(annotations), readJobStatus(annotations), this.bootId(), now);
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

  private report(requested: string | undefined): void {
    this.reportWanted = false;
    this.lastCheckSeen = requested;
    this.model.patchNode(this.node, {
      metadata: {
        annotations: {
          [AGENT.rebootRequired]: String(this.sentinel),
          [AGENT.sentinelCheckedAt]: new Date(this.scheduler.now).toISOString(),
          [AGENT.bootId]: this.bootId(),
        },
      },
    });
  }

  private execute(jobId: string, status: (state: JobStatus['state'], extra?: Partial<JobStatus>) => Record<string, string>): void {
    const s = this.scheduler;
    switch (this.behaviour) {
      case 'fail':
        s.at(s.now + 500 + s.int(3000), `host ${this.node}: reboot command failed`, () => {
          const current = this.truth();
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
        this.goDown(s.now + 500 + s.int(5000), false);
        return;
      default:
        this.goDown(s.now + 500 + s.int(5000), true);
    }
  }

  /** The host goes down (NotReady) and, unless lost, boots again later with a new boot ID. */
  private goDown(at: number, comesBack: boolean): void {
    const s = this.scheduler;
    const keepSentinel = this.behaviour === 'sentinel-stays';
    s.at(at, `host ${this.node}: going down for the reboot`, () => {
      this.up = false;
      this.model.setNodeStatus(this.node, false, new Date(s.now).toISOString());
      if (comesBack || this.healed) this.comeBack(s.now + 20_000 + s.int(120_000), keepSentinel && !this.healed);
      else this.stuck = 'lost';
    });
  }

  private comeBack(at: number, keepSentinel: boolean): void {
    const s = this.scheduler;
    s.at(at, `host ${this.node}: booted${keepSentinel ? ' (sentinel still set)' : ''}`, () => {
      this.boot++;
      if (!keepSentinel) this.sentinel = false;
      this.stuck = undefined;
      this.model.setNodeStatus(this.node, true, new Date(s.now).toISOString());
      // As on real nodes (docs/e2e.md, "Real nodes"): graceful shutdown failed the agent's pod, so
      // the node is Ready before the DaemonSet's replacement agent runs and reports the new boot.
      s.at(s.now + 1000 + s.int(40_000), `agent ${this.node}: the replacement pod runs`, () => {
        this.up = true;
        this.reportWanted = true;
      });
    });
  }

  /** Faults stop: a hung host finally reboots, a lost one comes back; behaviour is normal from now on. */
  heal(): void {
    this.behaviour = 'normal';
    this.healed = true;
    const s = this.scheduler;
    if (this.stuck === 'hang') this.goDown(s.now + 1000 + s.int(5000), true);
    else if (this.stuck === 'lost') this.comeBack(s.now + 10_000 + s.int(60_000), false);
    this.stuck = undefined;
  }
}
