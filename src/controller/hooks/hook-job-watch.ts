// The hook Jobs as a watch (ADR 0019): an informer on the Jobs kreboot made in its namespace (the
// label kreboot.dev/hook-point), so a Job that finishes wakes the decision cycle at once and the
// runner reads its status from memory instead of asking the API server. Only a convenience: the
// runner reads a Job by name when the informer has not listed or does not hold it, and a running
// hook is looked at again every HOOK_RECHECK_MS anyway, so a watch that fails delays, never loses.

import { BatchV1Api, ListWatch, Watch, type KubeConfig, type V1Job } from '@kubernetes/client-node';
import { KUBE_CALL_DEADLINE_MS, withDeadline } from '../../kube/call-deadline.ts';
import type { Logger } from '../../log/logger.ts';
import { HOOK_POINT_LABEL, jobState } from './hook-job.ts';

export interface HookJobCache {
  /** The Job as last seen, or undefined when the informer has not listed or holds no such Job. */
  job(name: string): V1Job | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function watchHookJobs(options: {
  kc: KubeConfig;
  namespace: string;
  log: Logger;
  onChange: (reason: string) => void;
}): HookJobCache {
  const { kc, namespace, log, onChange } = options;
  const batch = kc.makeApiClient(BatchV1Api);
  const watch = new Watch(kc);
  // As the cluster view's informers: a re-watch every two minutes, not every 30 s.
  (watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = 120_000;
  const informer = new ListWatch<V1Job>(
    `/apis/batch/v1/namespaces/${namespace}/jobs`,
    watch,
    () => batch.listNamespacedJob({ namespace, labelSelector: HOOK_POINT_LABEL }, withDeadline(KUBE_CALL_DEADLINE_MS)),
    false,
    HOOK_POINT_LABEL,
  );
  let listed = false;
  let stopped = false;
  let delayMs = 500;
  // Only an outcome matters to a decision: a Job's pods starting and its heartbeats do not wake it.
  const states = new Map<string, string>();
  const changed = (job: V1Job) => {
    const name = job.metadata?.name ?? '';
    const state = jobState(job).state;
    if (states.get(name) === state) return;
    states.set(name, state);
    if (state !== 'running') onChange(`hook Job ${name} ${state}`);
  };
  informer.on('add', changed);
  informer.on('update', changed);
  informer.on('delete', (job) => states.delete(job.metadata?.name ?? ''));
  let failedDuringStart = false;
  informer.on('error', (error: unknown) => {
    listed = false;
    failedDuringStart = true;
    if (stopped) return;
    log.warn({ err: error, retryInMs: delayMs }, 'hook Job watch failed; restarting (hooks are read by name meanwhile)');
    setTimeout(() => void begin(), delayMs).unref();
    delayMs = Math.min(delayMs * 2, 30_000);
  });
  const begin = async () => {
    if (stopped) return;
    failedDuringStart = false;
    try {
      await informer.start();
    } catch {
      failedDuringStart = true; // reported through 'error', which restarts it
    }
    if (failedDuringStart) return;
    listed = true;
    delayMs = 500;
  };
  return {
    job: (name) => (listed ? informer.get(name, namespace) : undefined),
    async start() {
      stopped = false;
      await begin();
    },
    async stop() {
      stopped = true;
      await informer.stop();
    },
  };
}
