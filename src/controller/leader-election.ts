// Leader election on a coordination.k8s.io/v1 Lease, client-go's rules: the holder renews every
// retry period; another replica takes over only after the lease duration passed without a renewal;
// a leader that cannot renew within the renew deadline steps down. Every Lease write is optimistic.
// Safety does not rest on this alone: slot writes are optimistic too, so even two replicas that
// both think they lead cannot exceed the concurrency.

import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../log/logger.ts';
import { apiErrorMessage, isConflict, isNotFound } from '../kube/patch.ts';

export interface LeaderElectionOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseDurationMs: number;
  readonly log: Logger;
  readonly onChange: (leading: boolean) => void;
}

export interface LeaderElection {
  isLeader(): boolean;
  start(): void;
  /** Steps down and releases the lease so another replica takes over at once. */
  stop(): Promise<void>;
}

export function createLeaderElection(options: LeaderElectionOptions): LeaderElection {
  const api = options.kc.makeApiClient(CoordinationV1Api);
  const { namespace, name, identity, log } = options;
  const retryMs = Math.max(500, Math.floor(options.leaseDurationMs / 5));
  const renewDeadlineMs = Math.floor((options.leaseDurationMs * 2) / 3);
  let leading = false;
  let lastRenew = 0;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const set = (value: boolean) => {
    if (value === leading) return;
    leading = value;
    log.info({ identity, leading }, value ? 'became leader' : 'stopped leading');
    options.onChange(value);
  };

  function spec(lease: V1Lease | undefined, now: Date, takeover: boolean) {
    return {
      holderIdentity: identity,
      leaseDurationSeconds: Math.ceil(options.leaseDurationMs / 1000),
      acquireTime: takeover || !lease?.spec?.acquireTime ? new V1MicroTime(now) : new V1MicroTime(lease.spec.acquireTime),
      renewTime: new V1MicroTime(now),
      leaseTransitions: (lease?.spec?.leaseTransitions ?? 0) + (takeover && lease ? 1 : 0),
    };
  }

  // The lease as last written by us: a renewal is then one update (optimistic on its
  // resourceVersion) instead of a read and an update; any conflict falls back to a fresh read.
  let ours: V1Lease | undefined;

  async function attempt(): Promise<boolean> {
    const now = new Date();
    if (ours) {
      try {
        ours = await api.replaceNamespacedLease({ namespace, name, body: { ...ours, spec: spec(ours, now, false) } });
        return true;
      } catch (error) {
        ours = undefined;
        if (!isConflict(error)) throw error;
      }
    }
    let lease: V1Lease;
    try {
      lease = await api.readNamespacedLease({ namespace, name });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      ours = await api.createNamespacedLease({ namespace, body: { metadata: { name, namespace }, spec: spec(undefined, now, true) } });
      return true;
    }
    const holder = lease.spec?.holderIdentity ?? '';
    const renewed = lease.spec?.renewTime ? new Date(lease.spec.renewTime).getTime() : 0;
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    const expired = holder === '' || renewed + durationMs < now.getTime();
    if (holder !== identity && !expired) return false;
    ours = await api.replaceNamespacedLease({ namespace, name, body: { ...lease, spec: spec(lease, now, holder !== identity) } });
    return true;
  }

  async function tick(): Promise<void> {
    try {
      const ok = await attempt();
      if (stopped) return; // stop() released the lease while this attempt was under way
      if (ok) lastRenew = Date.now();
      else ours = undefined;
      set(ok);
    } catch (error) {
      if (!isConflict(error)) log.warn({ err: apiErrorMessage(error) }, 'leader election: lease update failed');
      if (leading && Date.now() - lastRenew > renewDeadlineMs) set(false);
    }
    if (!stopped) {
      timer = setTimeout(() => void tick(), retryMs);
    }
  }

  return {
    isLeader: () => leading,
    start() {
      void tick();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      ours = undefined;
      if (!leading) return;
      set(false);
      try {
        const lease = await api.readNamespacedLease({ namespace, name });
        if (lease.spec?.holderIdentity === identity) {
          const released = { ...spec(lease, new Date(), false), holderIdentity: '', leaseDurationSeconds: 1 };
          await api.replaceNamespacedLease({ namespace, name, body: { ...lease, spec: released } });
        }
      } catch (error) {
        log.warn({ err: apiErrorMessage(error) }, 'leader election: could not release the lease');
      }
    },
  };
}
