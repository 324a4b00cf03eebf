// The idle nodes' agents, lightweight: one report per node written exactly as the real agent's
// NodeReporter writes it (src/agent/node/node-reporter.ts: a merge patch of the AGENT keys, no
// precondition), then one watch over every node that follows the agent's protocol for the nodes
// without a real agent (a check request → a fresh report; a reboot job → `started`, a short
// "reboot", a new boot ID and a cleared sentinel, as test/harness/agent/fake-agents.ts
// does). The same watch records cordons and uncordons for the flight figures.

import { randomUUID } from 'node:crypto';
import { CoreV1Api, ListWatch, Watch, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { MERGE_PATCH } from '../../src/kube/patch.ts';
import { AGENT, CONTROLLER } from '../../src/store/keys.ts';
import type { JobStatus, RebootJob } from '../../src/store/job-records.ts';
import { VERSION } from '../../src/version.ts';
import { mapLimit } from '../../src/map-limit.ts';

export interface NodeAgents {
  /** Writes every lightweight node's first report (bounded concurrency). */
  reportAll(concurrency: number): Promise<void>;
  /** Times (epoch ms) each node was cordoned / uncordoned, as the watch saw them. */
  cordons(): Array<{ at: number; node: string; cordoned: boolean }>;
  firstCordonAfter(at: number): number | undefined;
  maxCordoned(): number;
  cordonedNow(): number;
  jobsRun(): number;
  /** The phase of the node's progress record (kreboot.dev/state), as last seen. */
  phaseOf(node: string): string | undefined;
  stop(): Promise<void>;
}

export async function startNodeAgents(
  kc: KubeConfig,
  options: { nodes: readonly string[]; realAgentNodes: ReadonlySet<string>; labelSelector: string; rebootMs: number; required: boolean },
): Promise<NodeAgents> {
  const core = kc.makeApiClient(CoreV1Api);
  // About an hour ago, like a host that has been up a while (read by --max-node-age only).
  const bootedAt = new Date(Math.floor((Date.now() - 3_600_000) / 1000) * 1000);
  const state = new Map(
    options.nodes
      .filter((node) => !options.realAgentNodes.has(node))
      .map((node) => [node, { bootId: randomUUID(), bootTime: bootedAt, required: options.required }]),
  );
  const lastCheck = new Map<string, string>();
  const busy = new Set<string>();
  const unschedulable = new Map<string, boolean>();
  const progress = new Map<string, string | undefined>();
  const cordons: Array<{ at: number; node: string; cordoned: boolean }> = [];
  let maxCordoned = 0;
  let jobs = 0;
  let stopped = false;

  const report = (node: string, extra: Record<string, string> = {}) => {
    const s = state.get(node)!;
    return core.patchNode(
      {
        name: node,
        body: {
          metadata: {
            annotations: {
              [AGENT.rebootRequired]: String(s.required),
              [AGENT.sentinelCheckedAt]: new Date().toISOString(),
              [AGENT.sentinelError]: null,
              [AGENT.bootId]: s.bootId,
              [AGENT.bootTime]: s.bootTime.toISOString(),
              [AGENT.agentVersion]: VERSION,
              ...extra,
            },
          },
        },
      },
      MERGE_PATCH,
    );
  };

  const flight = (node: V1Node) => {
    const name = node.metadata?.name ?? '';
    progress.set(name, node.metadata?.annotations?.[CONTROLLER.state]);
    const now = node.spec?.unschedulable === true;
    const before = unschedulable.get(name);
    unschedulable.set(name, now);
    if (before !== undefined && before !== now) {
      cordons.push({ at: Date.now(), node: name, cordoned: now });
      let count = 0;
      for (const value of unschedulable.values()) if (value) count++;
      maxCordoned = Math.max(maxCordoned, count);
    }
  };

  async function actAsAgent(node: V1Node): Promise<void> {
    const name = node.metadata?.name ?? '';
    const s = state.get(name);
    if (stopped || !s || busy.has(name)) return;
    const annotations = node.metadata?.annotations ?? {};
    const checkRequested = annotations[CONTROLLER.checkRequestedAt];
    if (checkRequested && lastCheck.get(name) !== checkRequested) {
      lastCheck.set(name, checkRequested);
      await report(name).catch(() => undefined);
    }
    const jobText = annotations[CONTROLLER.rebootJob];
    if (!jobText) return;
    const job = JSON.parse(jobText) as RebootJob;
    const status = annotations[AGENT.jobStatus] ? (JSON.parse(annotations[AGENT.jobStatus]!) as JobStatus) : undefined;
    if (job.bootIdBefore !== s.bootId || status?.id === job.id) return;
    busy.add(name);
    try {
      const started: JobStatus = { id: job.id, state: 'started', at: new Date().toISOString(), bootId: s.bootId };
      // Optimistic, like the real agent: a job starts at most once.
      await core.patchNode(
        {
          name,
          body: {
            metadata: { resourceVersion: node.metadata?.resourceVersion, annotations: { [AGENT.jobStatus]: JSON.stringify(started) } },
          },
        },
        MERGE_PATCH,
      );
      jobs++;
      await new Promise((resolve) => setTimeout(resolve, options.rebootMs));
      if (stopped) return;
      s.bootId = randomUUID();
      s.bootTime = new Date(Math.floor(Date.now() / 1000) * 1000);
      s.required = false;
      await report(name);
    } catch {
      // 409: the node changed under us; its next event decides again.
    } finally {
      busy.delete(name);
    }
  }

  const informer = new ListWatch<V1Node>(
    '/api/v1/nodes',
    new Watch(kc),
    () => core.listNode({ labelSelector: options.labelSelector }),
    false,
    options.labelSelector,
  );
  const handle = (node: V1Node) => {
    flight(node);
    void actAsAgent(node);
  };
  informer.on('add', handle);
  informer.on('update', handle);
  informer.on('error', () => {
    if (!stopped) setTimeout(() => void informer.start(), 500);
  });

  return {
    async reportAll(concurrency) {
      await mapLimit([...state.keys()], concurrency, async (node) => {
        for (let attempt = 1; ; attempt++) {
          try {
            await report(node);
            return;
          } catch (error) {
            if (attempt >= 5) throw error;
            await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
          }
        }
      });
      await informer.start();
    },
    cordons: () => cordons,
    firstCordonAfter: (at) => cordons.find((entry) => entry.cordoned && entry.at >= at)?.at,
    maxCordoned: () => maxCordoned,
    cordonedNow: () => [...unschedulable.values()].filter(Boolean).length,
    jobsRun: () => jobs,
    phaseOf(node) {
      const text = progress.get(node);
      if (!text) return undefined;
      try {
        return (JSON.parse(text) as { phase?: string }).phase;
      } catch {
        return undefined;
      }
    },
    async stop() {
      stopped = true;
      await informer.stop();
    },
  };
}
