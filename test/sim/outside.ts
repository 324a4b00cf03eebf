// The services outside the cluster the controller calls, as the simulation models them:
// Alertmanager (quiet maintenance's silences) and Prometheus (the gates). Each is up, slow or
// down, flapping under the scheduler while faults run. Up, an Alertmanager call waits in the
// scheduler like an API call (so a process can die at it, or its response be lost after it was
// applied); slow, it reaches the service only seconds of virtual time later, while everything
// else goes on; down, it fails at once (connection refused) or at the client's timeout. The
// Alertmanager model keeps silences as Alertmanager does (IDs, active/pending/expired, an update
// in place when only the end or the comment change) and tells an observer of every silence
// written, for the invariants.

import type { AlertmanagerClient, Silence, SilenceMatcher } from '../../src/alertmanager/alertmanager-client.ts';
import type { Gate, GateInput, Verdict } from '../../src/gates/gate.ts';
import { blocked, OPEN } from '../../src/gates/gate.ts';
import { sameMatchers } from '../../src/alertmanager/silence-matchers.ts';
import { SimApiError } from './api-model.ts';
import type { Scheduler } from './scheduler.ts';

export type ServiceMode = 'up' | 'slow' | 'down';

/** The client timeout both services use by default (--alertmanager-timeout, --prometheus-timeout). */
const CLIENT_TIMEOUT_MS = 10_000;

export class Service {
  mode: ServiceMode = 'up';
  readonly name: string;
  private readonly s: Scheduler;

  constructor(name: string, scheduler: Scheduler) {
    this.name = name;
    this.s = scheduler;
  }

  /**
   * One request of controller process `owner`. `queued`: while up, the call waits in the
   * scheduler like an API call; otherwise it is answered within the step that made it.
   */
  call<T>(owner: number, label: () => string, apply: () => T, queued: boolean): Promise<T> {
    const s = this.s;
    switch (this.mode) {
      case 'up':
        return queued ? s.call(owner, label, 'outside', apply) : Promise.resolve().then(apply);
      case 'slow':
        return new Promise<T>((resolve, reject) => {
          s.at(
            s.now + 1000 + s.int(CLIENT_TIMEOUT_MS - 1000),
            `${this.name} answers slowly: ${label()}`,
            () => s.call(owner, label, 'outside', apply).then(resolve, reject),
            owner,
          );
        });
      case 'down': {
        const timeout = s.chance(0.5);
        return new Promise<T>((_, reject) => {
          s.at(
            s.now + (timeout ? CLIENT_TIMEOUT_MS : 0),
            `${this.name} is down: ${label()}`,
            () => reject(new Error(`${this.name}: ${timeout ? `timeout of ${CLIENT_TIMEOUT_MS}ms exceeded` : 'connect ECONNREFUSED'}`)),
            owner,
          );
        });
      }
    }
  }
}

export interface SilenceObserver {
  /** The nodes kreboot is rebooting now (holding a slot or out of service), from the model's truth. */
  rebooting(): ReadonlySet<string>;
  /** The node a silence's matchers are for. */
  silenceNode(matchers: readonly SilenceMatcher[]): string | undefined;
  /**
   * A silence was created or changed (extended, shortened), at virtual time `at`; `asked`:
   * whether its node was being rebooted when the silencer began (its list of silences, or this call).
   */
  silenceWritten(silence: StoredSilence, at: number, asked: boolean): void;
}

export interface StoredSilence {
  readonly id: string;
  readonly matchers: readonly SilenceMatcher[];
  readonly startsAt: number;
  endsAt: number;
  readonly createdBy: string;
  comment: string;
}

export class AlertmanagerModel {
  readonly service: Service;
  readonly silences: StoredSilence[] = [];
  private readonly s: Scheduler;
  private readonly observer: SilenceObserver;
  private seq = 0;

  constructor(scheduler: Scheduler, observer: SilenceObserver) {
    this.s = scheduler;
    this.service = new Service('Alertmanager', scheduler);
    this.observer = observer;
  }

  private state(silence: StoredSilence): Silence['state'] {
    const now = this.s.now;
    return now >= silence.endsAt ? 'expired' : now < silence.startsAt ? 'pending' : 'active';
  }

  private view(silence: StoredSilence): Silence {
    return {
      id: silence.id,
      state: this.state(silence),
      matchers: silence.matchers,
      startsAt: new Date(silence.startsAt).toISOString(),
      endsAt: new Date(silence.endsAt).toISOString(),
      createdBy: silence.createdBy,
      comment: silence.comment,
    };
  }

  /** Silences still in force now. */
  live(): StoredSilence[] {
    return this.silences.filter((silence) => this.state(silence) !== 'expired');
  }

  clientFor(owner: number): AlertmanagerClient {
    const service = this.service;
    // The silencer lists the silences, then writes one per matcher set: a node counts as being
    // rebooted if it was when that list was asked for, however slow the answers were since.
    let rebootingAtList: ReadonlySet<string> = new Set();
    return {
      url: 'http://alertmanager.sim:9093/',
      createSilence: (request) => {
        const node = this.observer.silenceNode(request.matchers);
        const asked = node !== undefined && (rebootingAtList.has(node) || this.observer.rebooting().has(node));
        return service.call(
          owner,
          () => `Alertmanager: ${request.id ? `update silence ${request.id}` : 'create a silence'}`,
          () => {
            const now = this.s.now;
            const endsAt = request.endsAt.getTime();
            const startsAt = request.startsAt.getTime();
            if (!(endsAt > startsAt)) throw new SimApiError(400, 'start time must be before end time');
            if (endsAt < now) throw new SimApiError(400, "end time can't be in the past");
            const existing = request.id ? this.silences.find((silence) => silence.id === request.id) : undefined;
            if (request.id && !existing) throw new SimApiError(404, 'silence not found');
            // Alertmanager changes a silence in place when it is not expired and only its end or
            // comment change; otherwise it expires the old one and makes a new one.
            if (
              existing &&
              this.state(existing) !== 'expired' &&
              existing.startsAt === startsAt &&
              sameMatchers(existing.matchers, request.matchers)
            ) {
              existing.endsAt = endsAt;
              existing.comment = request.comment;
              this.observer.silenceWritten(existing, now, asked);
              return existing.id;
            }
            if (existing && this.state(existing) !== 'expired') existing.endsAt = now;
            const created: StoredSilence = {
              id: `silence-${++this.seq}`,
              matchers: request.matchers,
              startsAt: Math.max(startsAt, now),
              endsAt,
              createdBy: request.createdBy,
              comment: request.comment,
            };
            this.silences.push(created);
            this.observer.silenceWritten(created, now, asked);
            return created.id;
          },
          true,
        );
      },
      expireSilence: (id) =>
        service.call(
          owner,
          () => `Alertmanager: expire ${id}`,
          () => {
            const silence = this.silences.find((candidate) => candidate.id === id);
            if (silence && this.state(silence) !== 'expired') silence.endsAt = this.s.now;
          },
          true,
        ),
      silences: () => {
        rebootingAtList = this.observer.rebooting();
        return service.call(
          owner,
          () => 'Alertmanager: list silences',
          () => this.silences.map((silence) => this.view(silence)),
          true,
        );
      },
      alerts: () =>
        service.call(
          owner,
          () => 'Alertmanager: list alerts',
          () => [],
          true,
        ),
    };
  }
}

export type GateState = 'open' | 'blocked' | 'throws';

/**
 * The gates, as Prometheus answers them: each gate's verdict (open, blocked by an alert, or a
 * query error) flaps under the run; with Prometheus slow the verdict comes seconds later (the
 * cycle waits while the world moves), with Prometheus down the evaluation fails (blocked).
 */
export class PrometheusModel {
  readonly service: Service;
  readonly states: GateState[];

  constructor(scheduler: Scheduler, gates: number) {
    this.service = new Service('Prometheus', scheduler);
    this.states = Array.from({ length: gates }, () => 'open');
  }

  gatesFor(owner: number): Gate[] {
    return this.states.map((_, i) => ({
      name: `gate${i}`,
      evaluate: (_input: GateInput) =>
        this.service.call(
          owner,
          () => `Prometheus: gate${i}`,
          () => {
            const state = this.states[i]!;
            if (state === 'throws') throw new Error('Prometheus query failed');
            const verdict: Verdict = state === 'open' ? OPEN : blocked(`gate${i}`, 'an alert is firing');
            return () => verdict;
          },
          false,
        ),
    }));
  }
}
