// Leader election's deadlines on a virtual clock and a fake Lease API: a leader whose renewal hangs
// stops leading at the renew deadline (before any standby may take over) and its call is aborted;
// a standby waits a whole lease duration from when it saw the record change, whatever the record's
// own timestamps say; a released Lease is taken at once.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Lease } from '@kubernetes/client-node';
import pino from 'pino';
import { createLeaderElection, leaseTimings, type LeaseApi } from '../../../src/controller/leader-election.ts';
import type { Timers } from '../../../src/controller/work-loop.ts';

const LEASE_MS = 3000;

function virtualTime() {
  let now = 0;
  let queue: { at: number; callback: () => void }[] = [];
  const timers: Timers = {
    setTimeout(callback, ms) {
      const entry = { at: now + ms, callback };
      queue.push(entry);
      return entry;
    },
    clearTimeout(handle) {
      queue = queue.filter((entry) => entry !== handle);
    },
  };
  const flush = async () => {
    for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  return {
    timers,
    monotonic: () => now,
    async advance(ms: number) {
      const target = now + ms;
      for (;;) {
        await flush();
        const next = queue.filter((entry) => entry.at <= target).sort((a, b) => a.at - b.at)[0];
        if (!next) break;
        queue = queue.filter((entry) => entry !== next);
        now = next.at;
        next.callback();
      }
      now = target;
      await flush();
    },
  };
}

/** One Lease in memory with resourceVersion checks; each client can be made to hang until aborted. */
function fakeLeaseStore() {
  let stored: V1Lease | undefined;
  let version = 0;
  const write = (lease: V1Lease): V1Lease => {
    if (stored && lease.metadata?.resourceVersion !== stored.metadata?.resourceVersion)
      throw Object.assign(new Error('conflict'), { code: 409 });
    stored = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++version) } };
    return stored;
  };
  const client = () => {
    const state = { hang: false, aborted: 0 };
    const gate = <T>(signal: AbortSignal, value: () => T): Promise<T> => {
      if (!state.hang) return Promise.resolve().then(value);
      return new Promise((_resolve, reject) =>
        signal.addEventListener('abort', () => {
          state.aborted++;
          reject(new Error('aborted'));
        }),
      );
    };
    const api: LeaseApi = {
      read: (signal) =>
        gate(signal, () => {
          if (!stored) throw Object.assign(new Error('not found'), { code: 404 });
          return stored;
        }),
      create: (lease, signal) => gate(signal, () => write(lease)),
      replace: (lease, signal) => gate(signal, () => write(lease)),
    };
    return { api, state };
  };
  return { client, holder: () => stored?.spec?.holderIdentity };
}

function elect(identity: string, api: LeaseApi, time: ReturnType<typeof virtualTime>, changes: string[]) {
  return createLeaderElection({
    api,
    namespace: 'ns',
    name: 'lease',
    identity,
    leaseDurationMs: LEASE_MS,
    log: pino({ level: 'silent' }),
    onChange: (leading) => changes.push(`${time.monotonic()} ${identity} ${leading ? 'leads' : 'stops'}`),
    monotonic: time.monotonic,
    timers: time.timers,
  });
}

describe('leader election deadlines', () => {
  it('a leader whose renewal hangs stops leading at the renew deadline, before a standby can take over', async () => {
    const time = virtualTime();
    const store = fakeLeaseStore();
    const lease = store.client();
    const changes: string[] = [];
    const a = elect('a', lease.api, time, changes);
    a.start();
    await time.advance(10);
    assert.deepEqual(changes, ['0 a leads']);
    const lastRenewal = 0;
    lease.state.hang = true;
    await time.advance(LEASE_MS * 2);
    const stopped = Number(changes[1]?.split(' ')[0]);
    assert.equal(changes[1]?.endsWith('a stops'), true, `stepped down: ${changes.join('; ')}`);
    const { renewDeadlineMs } = leaseTimings(LEASE_MS);
    // The first renewal after the hang began was sent at 600 ms; the one before it (at 0) is the last success.
    assert.ok(stopped <= lastRenewal + renewDeadlineMs, `stopped at ${stopped}, deadline ${lastRenewal + renewDeadlineMs}`);
    assert.ok(stopped < lastRenewal + LEASE_MS, 'stopped before the lease could expire for anyone else');
    assert.ok(lease.state.aborted > 0, 'the hanging call was aborted, not left waiting');
  });

  it('a standby waits a whole lease duration from seeing the record change, then takes over', async () => {
    const time = virtualTime();
    const store = fakeLeaseStore();
    const aClient = store.client();
    const changes: string[] = [];
    const a = elect('a', aClient.api, time, changes);
    a.start();
    await time.advance(10);
    const b = elect('b', store.client().api, time, changes);
    b.start();
    await time.advance(LEASE_MS * 2);
    assert.equal(store.holder(), 'a', 'a keeps renewing; b never takes over');
    assert.deepEqual(changes, ['0 a leads']);

    // a can no longer reach the API server: it steps down at its deadline, b takes over a lease
    // duration after the last renewal it saw, never before a stopped.
    aClient.state.hang = true;
    await time.advance(LEASE_MS * 3);
    const aStops = Number(changes.find((line) => line.endsWith('a stops'))?.split(' ')[0]);
    const bLeads = Number(changes.find((line) => line.endsWith('b leads'))?.split(' ')[0]);
    assert.ok(Number.isFinite(aStops) && Number.isFinite(bLeads), changes.join('; '));
    assert.ok(aStops < bLeads, `a stopped (${aStops}) before b led (${bLeads})`);
    assert.ok(bLeads - aStops >= LEASE_MS - leaseTimings(LEASE_MS).renewDeadlineMs - 600, 'b waited out the lease');
    assert.equal(store.holder(), 'b');
    await b.stop();
  });

  it('a lease released on shutdown is taken at the next retry, not after a lease duration', async () => {
    const time = virtualTime();
    const store = fakeLeaseStore();
    const changes: string[] = [];
    const a = elect('a', store.client().api, time, changes);
    a.start();
    await time.advance(10);
    const b = elect('b', store.client().api, time, changes);
    b.start();
    await time.advance(1000);
    await a.stop();
    const released = time.monotonic();
    await time.advance(700);
    assert.equal(store.holder(), 'b');
    const took = Number(changes.find((line) => line.endsWith('b leads'))?.split(' ')[0]);
    assert.ok(took - released <= 600, `taken ${took - released} ms after the release`);
    await b.stop();
  });
});
