// Builders for policy tests: an observed node with sensible defaults, overridable per row.

import type { PolicySettings } from '../../../src/controller/policy/decide.ts';
import type { ObservedNode } from '../../../src/controller/policy/observed-node.ts';

export const NOW = new Date('2026-11-26T12:00:00.000Z');
export const ago = (seconds: number) => new Date(NOW.getTime() - seconds * 1000).toISOString();
export const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

export const SETTINGS: PolicySettings = {
  drainDelayMs: 0,
  drainTimeoutMs: 0,
  forceReboot: false,
  rebootTimeoutMs: 30 * 60_000,
  maxRebootAttempts: 2,
  lockReleaseDelayMs: 0,
  retryBackoffMs: 5 * 60_000,
};

export function node(overrides: Partial<ObservedNode> = {}): ObservedNode {
  return {
    name: 'n1',
    ready: true,
    unschedulable: false,
    bootId: 'boot-1',
    rebootRequired: true,
    sentinelCheckedAt: ago(600),
    checkRequestedAt: undefined,
    job: undefined,
    jobStatus: undefined,
    request: undefined,
    progress: undefined,
    labels: {},
    ...overrides,
  };
}
