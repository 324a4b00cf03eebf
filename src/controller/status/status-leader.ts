// Who leads, for a replica that does not: the holder of the leader Lease, read at most once per
// `ttlMs` and only when asked, so the status stays a read of memory (the answer may be a few
// seconds old; a replica that cannot read the Lease says no leader is known).

import { CoordinationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { withDeadline } from '../../kube/call-deadline.ts';

/** A Lease read that hangs must not keep every later refresh from starting (`reading` stays set until it ends). */
const LEASE_READ_DEADLINE_MS = 5_000;

export interface LeaderLookup {
  /** The last known holder; starts a refresh in the background when the answer is stale. */
  current(): string | undefined;
}

export function createLeaderLookup(options: {
  kc: KubeConfig;
  namespace: string;
  name: string;
  ttlMs?: number;
  readTimeoutMs?: number;
  now?: () => number;
}): LeaderLookup {
  const api = options.kc.makeApiClient(CoordinationV1Api);
  const ttlMs = options.ttlMs ?? 5000;
  const now = options.now ?? Date.now;
  let holder: string | undefined;
  let readAt = -Infinity;
  let reading = false;

  async function refresh(): Promise<void> {
    reading = true;
    try {
      const lease = await api.readNamespacedLease(
        { namespace: options.namespace, name: options.name },
        withDeadline(options.readTimeoutMs ?? LEASE_READ_DEADLINE_MS),
      );
      const renewed = Date.parse(String(lease.spec?.renewTime ?? ''));
      const expired = Number.isFinite(renewed) && renewed + (lease.spec?.leaseDurationSeconds ?? 0) * 1000 < now();
      holder = lease.spec?.holderIdentity && !expired ? lease.spec.holderIdentity : undefined;
    } catch {
      holder = undefined;
    } finally {
      readAt = now();
      reading = false;
    }
  }

  return {
    current() {
      if (!reading && now() - readAt >= ttlMs) void refresh();
      return holder;
    },
  };
}
