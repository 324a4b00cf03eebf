// Leader election on a coordination.k8s.io/v1 Lease, client-go's rules with deadlines that hold
// even when the API server stops answering:
// - the leader renews every retry period; each Lease call is aborted at the renew deadline, and a
//   timer steps the leader down at (last successful renewal sent) + renew deadline whether or not a
//   call is still hanging. The renew deadline is 2/3 of the lease duration, so the leader has
//   stopped acting before any other replica may take the Lease;
// - a standby takes over only after the lease duration has passed *on its own clock* since it last
//   saw the Lease record change (client-go's observedTime), so clock skew between replicas does not
//   shorten the wait; a Lease released on shutdown (no holder) is taken at once;
// - every Lease write is optimistic (resourceVersion).
// Safety does not rest on this alone: slot writes are optimistic too, so even two replicas that
// both think they lead cannot exceed the concurrency.

import {
  CoordinationV1Api,
  Observable,
  V1MicroTime,
  type ConfigurationOptions,
  type KubeConfig,
  type RequestContext,
  type ResponseContext,
  type V1Lease,
} from '@kubernetes/client-node';
import type { Logger } from '../log/logger.ts';
import { isConflict, isNotFound } from '../kube/api-errors.ts';
import { REAL_TIMERS, type Timers } from './work-loop.ts';

/** The Lease calls, each bounded by the signal it is given. */
export interface LeaseApi {
  read(signal: AbortSignal): Promise<V1Lease>;
  create(lease: V1Lease, signal: AbortSignal): Promise<V1Lease>;
  replace(lease: V1Lease, signal: AbortSignal): Promise<V1Lease>;
}

/** client-node request options whose fetch is aborted by `signal`. */
function abortable(signal: AbortSignal): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          context.setSignal(signal);
          return new Observable(Promise.resolve(context));
        },
        post: (response: ResponseContext) => new Observable(Promise.resolve(response)),
      },
    ],
    middlewareMergeStrategy: 'append',
  };
}

export function createLeaseApi(kc: KubeConfig, namespace: string, name: string): LeaseApi {
  const api = kc.makeApiClient(CoordinationV1Api);
  return {
    read: (signal) => api.readNamespacedLease({ namespace, name }, abortable(signal)),
    create: (body, signal) => api.createNamespacedLease({ namespace, body }, abortable(signal)),
    replace: (body, signal) => api.replaceNamespacedLease({ namespace, name, body }, abortable(signal)),
  };
}

export interface LeaderElectionOptions {
  readonly api: LeaseApi;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly log: Logger;
  readonly onChange: (leading: boolean) => void;
  /** Monotonic milliseconds for deadlines (default performance.now): wall-clock jumps do not matter. */
  readonly monotonic?: () => number;
  readonly clock?: () => Date;
  readonly timers?: Timers;
}

export interface LeaderElection {
  start(): void;
  /** Steps down and releases the lease so another replica takes over at once. Call once idle. */
  stop(): Promise<void>;
}

export function leaseTimings(leaseDurationMs: number): { retryMs: number; renewDeadlineMs: number } {
  return { retryMs: Math.max(500, Math.floor(leaseDurationMs / 5)), renewDeadlineMs: Math.floor((leaseDurationMs * 2) / 3) };
}

export function createLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const { api, namespace, name, identity, log } = options;
  const monotonic = options.monotonic ?? (() => performance.now());
  const clock = options.clock ?? (() => new Date());
  const timers = options.timers ?? REAL_TIMERS;
  const { retryMs, renewDeadlineMs } = leaseTimings(options.leaseDurationMs);
  let leading = false;
  let stopped = false;
  let retryTimer: unknown;
  let stepDownTimer: unknown;
  /** The Lease as last written by us: a renewal is one optimistic update, no read. */
  let ours: V1Lease | undefined;
  /** The record another holder last wrote, and when (monotonic) we first saw it. */
  let observed: { key: string; at: number } | undefined;

  const set = (value: boolean) => {
    if (value === leading) return;
    leading = value;
    log.info({ identity, leading }, value ? 'became leader' : 'stopped leading');
    options.onChange(value);
  };

  function spec(lease: V1Lease | undefined, takeover: boolean) {
    const now = clock();
    return {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(options.leaseDurationMs / 1000),
      acquireTime: takeover || !lease?.spec?.acquireTime ? new V1MicroTime(now) : new V1MicroTime(lease.spec.acquireTime),
      renewTime: new V1MicroTime(now),
      leaseTransitions: (lease?.spec?.leaseTransitions ?? 0) + (takeover && lease ? 1 : 0),
    };
  }

  /** Whether another holder's lease has run out, timed from when we saw it change. */
  function expired(lease: V1Lease): boolean {
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder === '') return true;
    const key = `${holder}|${String(lease.spec?.renewTime)}|${lease.metadata?.resourceVersion}`;
    const now = monotonic();
    if (observed?.key !== key) observed = { key, at: now };
    const durationMs = (lease.spec?.leaseDurationSeconds ?? Math.ceil(options.leaseDurationMs / 1000)) * 1000;
    return now - observed.at > durationMs;
  }

  async function attempt(signal: AbortSignal): Promise<boolean> {
    if (ours) {
      try {
        ours = await api.replace({ ...ours, spec: spec(ours, false) }, signal);
        return true;
      } catch (error) {
        ours = undefined;
        if (!isConflict(error)) throw error;
      }
    }
    let lease: V1Lease;
    try {
      lease = await api.read(signal);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      ours = await api.create({ metadata: { name, namespace }, spec: spec(undefined, true) }, signal);
      return true;
    }
    const holder = lease.spec?.holderIdentity ?? '';
    if (holder !== identity && !expired(lease)) return false;
    ours = await api.replace({ ...lease, spec: spec(lease, holder !== identity) }, signal);
    return true;
  }

  function armStepDown(sentAt: number): void {
    if (stepDownTimer !== undefined) timers.clearTimeout(stepDownTimer);
    stepDownTimer = timers.setTimeout(
      () => {
        stepDownTimer = undefined;
        if (!leading) return;
        log.warn({ identity, renewDeadlineMs }, 'leader election: lease not renewed within the renew deadline; stepping down');
        ours = undefined;
        set(false);
      },
      Math.max(0, sentAt + renewDeadlineMs - monotonic()),
    );
  }

  async function tick(): Promise<void> {
    const sentAt = monotonic();
    // A call may never outlive the renew deadline: past it, its answer could no longer be trusted.
    const controller = new AbortController();
    const abortTimer = timers.setTimeout(() => controller.abort(new Error('lease call exceeded the renew deadline')), renewDeadlineMs);
    try {
      const ok = await attempt(controller.signal);
      if (stopped) return; // stop() releases the lease; this answer no longer matters
      if (ok) {
        armStepDown(sentAt);
        set(true);
      } else {
        ours = undefined;
        set(false);
      }
    } catch (error) {
      if (!isConflict(error)) log.warn({ err: error }, 'leader election: lease update failed');
      // The step-down timer ends leadership at the deadline; nothing else to do here.
    } finally {
      timers.clearTimeout(abortTimer);
    }
    if (!stopped) retryTimer = timers.setTimeout(() => void tick(), retryMs);
  }

  return {
    start() {
      void tick();
    },
    async stop() {
      stopped = true;
      if (retryTimer !== undefined) timers.clearTimeout(retryTimer);
      if (stepDownTimer !== undefined) timers.clearTimeout(stepDownTimer);
      const wasLeading = leading;
      ours = undefined;
      set(false);
      if (!wasLeading) return;
      const signal = AbortSignal.timeout(renewDeadlineMs);
      try {
        const lease = await api.read(signal);
        if (lease.spec?.holderIdentity === identity) {
          const released = { ...spec(lease, false), holderIdentity: '', leaseDurationSeconds: 1 };
          await api.replace({ ...lease, spec: released }, signal);
        }
      } catch (error) {
        log.warn({ err: error }, 'leader election: could not release the lease');
      }
    },
  };
}
