// The agent's metrics: kured's `kured_reboot_required{node}` (kept so existing alert rules and
// dashboards work) and kreboot_agent_*. Gauges are computed at scrape time from the last check.

import { Counter, Gauge, type Registry } from 'prom-client';
import type { SentinelResult } from './sentinel/sentinel-check.ts';
import { VERSION } from '../version.ts';

export type JobOutcome = 'started' | 'failed' | 'withdrawn';

export interface AgentMetrics {
  checked(result: SentinelResult, at: Date): void;
  jobOutcome(outcome: JobOutcome): void;
  /** A host hook's outcome (ADR 0019). */
  hookOutcome(outcome: 'succeeded' | 'failed'): void;
  apiError(operation: 'watch' | 'report' | 'job'): void;
}

export function createAgentMetrics(registry: Registry, node: string): AgentMetrics {
  let last: { result: SentinelResult; at: Date } | undefined;
  new Gauge({
    name: 'kured_reboot_required',
    help: 'OS requires reboot due to software updates (1 when the last sentinel check said so).',
    labelNames: ['node'],
    registers: [registry],
    collect() {
      // No sample before the first check: an unknown state must not read as "not required".
      if (last) this.set({ node }, last.result.required ? 1 : 0);
    },
  });
  new Gauge({
    name: 'kreboot_build_info',
    help: 'Always 1; the labels say which kreboot and which Node.js this agent runs.',
    labelNames: ['version', 'nodejs'],
    registers: [registry],
  }).set({ version: VERSION, nodejs: process.version }, 1);
  new Gauge({
    name: 'kreboot_agent_sentinel_last_check_timestamp_seconds',
    help: 'Unix time of the last sentinel check.',
    registers: [registry],
    collect() {
      if (last) this.set(last.at.getTime() / 1000);
    },
  });
  new Gauge({
    name: 'kreboot_agent_sentinel_error',
    help: '1 when the last sentinel check failed (its reason is on the Node, kreboot.dev/sentinel-error).',
    registers: [registry],
    collect() {
      if (last) this.set(last.result.error === undefined ? 0 : 1);
    },
  });
  const checks = new Counter({ name: 'kreboot_agent_sentinel_checks_total', help: 'Sentinel checks run.', registers: [registry] });
  const errors = new Counter({
    name: 'kreboot_agent_sentinel_errors_total',
    help: 'Sentinel checks that failed (counted as not required).',
    registers: [registry],
  });
  const jobs = new Counter({
    name: 'kreboot_agent_reboot_jobs_total',
    help: 'Reboot jobs by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  const hooks = new Counter({
    name: 'kreboot_agent_host_hooks_total',
    help: 'Host hooks (--pre-drain-hook-command, --post-reboot-hook-command) by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  for (const outcome of ['succeeded', 'failed']) hooks.inc({ outcome }, 0);
  const apiErrors = new Counter({
    name: 'kreboot_agent_api_errors_total',
    help: 'Failed Kubernetes API calls by operation.',
    labelNames: ['operation'],
    registers: [registry],
  });
  for (const outcome of ['started', 'failed', 'withdrawn']) jobs.inc({ outcome }, 0);
  for (const operation of ['watch', 'report', 'job']) apiErrors.inc({ operation }, 0);

  return {
    checked(result, at) {
      last = { result, at };
      checks.inc();
      if (result.error !== undefined) errors.inc();
    },
    jobOutcome: (outcome) => jobs.inc({ outcome }),
    hookOutcome: (outcome) => hooks.inc({ outcome }),
    apiError: (operation) => apiErrors.inc({ operation }),
  };
}
