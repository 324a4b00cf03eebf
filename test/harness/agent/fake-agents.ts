// A stand-in for `kreboot agent` on KWOK nodes, speaking the job protocol of ADR 0002 through the
// real API server: it reports a boot ID and the sentinel, takes reboot jobs, and "reboots" by
// reporting a new boot ID and a cleared sentinel. Behaviours per node let tests make a node that
// never comes back (up under the same boot, or hung in boot: NotReady), one whose sentinel stays
// set, or one whose reboot command fails. It counts the
// jobs it ran, so tests can prove no job runs twice.

import { CoreV1Api, ListWatch, PatchStrategy, Watch, setHeaderOptions, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { KWOK_NODE_ANNOTATION } from '../control-plane.ts';
import type { JobStatus, RebootJob } from '../../../src/store/job-records.ts';
import { AGENT, CONTROLLER } from '../../../src/store/keys.ts';

export type Behaviour = 'normal' | 'never-back' | 'hang-in-boot' | 'sentinel-stays' | 'fail-command';

const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export interface TestAgents {
  /** Jobs each node ran (a job id appears once per execution). */
  readonly executed: ReadonlyMap<string, string[]>;
  setRequired(node: string, required: boolean): Promise<void>;
  setBehaviour(node: string, behaviour: Behaviour): void;
  /** What an operator does to a stuck host: reboot it by hand (new boot ID, sentinel cleared). */
  rebootByHand(node: string): Promise<void>;
  /**
   * A node hung in boot (or cut off): KWOK stops managing it and its Ready condition turns False,
   * as the node lifecycle controller shows a kubelet that stopped posting.
   */
  makeNotReady(node: string): Promise<void>;
  /** The node back: KWOK manages it again (Ready); under a new boot (sentinel cleared) or the same one. */
  bringBack(node: string, newBoot: boolean): Promise<void>;
  bootId(node: string): string;
  stop(): Promise<void>;
}

export async function startTestAgents(
  kc: KubeConfig,
  nodes: readonly string[],
  options: {
    required?: readonly string[];
    behaviour?: Record<string, Behaviour>;
    /** How long a "reboot" takes. */
    rebootMs?: number;
    /** After the reboot, how long the agent takes for its first sentinel check (the verifying phase). */
    firstCheckMs?: number;
    labelSelector: string;
  },
): Promise<TestAgents> {
  const core = kc.makeApiClient(CoreV1Api);
  const boots = new Map(nodes.map((node) => [node, 1]));
  const required = new Map(nodes.map((node) => [node, options.required?.includes(node) ?? false]));
  const behaviours = new Map(Object.entries(options.behaviour ?? {}));
  const executed = new Map<string, string[]>(nodes.map((node) => [node, []]));
  const busy = new Set<string>();
  const lastCheckRequest = new Map<string, string>();
  const rebootMs = options.rebootMs ?? 300;
  let stopped = false;

  const bootId = (node: string) => `${node}-boot-${boots.get(node)}`;
  const report = (node: string, extra: Record<string, string> = {}) =>
    core.patchNode(
      {
        name: node,
        body: {
          metadata: {
            annotations: {
              [AGENT.bootId]: bootId(node),
              [AGENT.rebootRequired]: String(required.get(node)),
              [AGENT.sentinelCheckedAt]: new Date().toISOString(),
              [AGENT.agentVersion]: 'test-agent',
              ...extra,
            },
          },
        },
      },
      MERGE,
    );

  async function makeNotReady(name: string): Promise<void> {
    await core.patchNode({ name, body: { metadata: { annotations: { [KWOK_NODE_ANNOTATION.key]: null } } } }, MERGE);
    const conditions = ((await core.readNode({ name })).status?.conditions ?? []).map((condition) =>
      condition.type === 'Ready'
        ? { ...condition, status: 'False', reason: 'KubeletNotReady', lastHeartbeatTime: new Date(), lastTransitionTime: new Date() }
        : condition,
    );
    await core.patchNodeStatus(
      { name, body: { status: { conditions } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
  }

  async function onNode(node: V1Node): Promise<void> {
    const name = node.metadata?.name ?? '';
    if (stopped || !boots.has(name) || busy.has(name)) return;
    const annotations = node.metadata?.annotations ?? {};
    const checkRequested = annotations[CONTROLLER.checkRequestedAt];
    if (checkRequested && lastCheckRequest.get(name) !== checkRequested) {
      lastCheckRequest.set(name, checkRequested);
      await report(name);
    }
    const jobText = annotations[CONTROLLER.rebootJob];
    if (!jobText) return;
    const job = JSON.parse(jobText) as RebootJob;
    const status = annotations[AGENT.jobStatus] ? (JSON.parse(annotations[AGENT.jobStatus]!) as JobStatus) : undefined;
    if (job.bootIdBefore !== bootId(name) || status?.id === job.id) return;
    busy.add(name);
    try {
      const started: JobStatus = { id: job.id, state: 'started', at: new Date().toISOString(), bootId: bootId(name) };
      // Optimistic, like the real agent: a job is started at most once.
      await core.patchNode(
        {
          name,
          body: {
            metadata: { resourceVersion: node.metadata?.resourceVersion, annotations: { [AGENT.jobStatus]: JSON.stringify(started) } },
          },
        },
        MERGE,
      );
      executed.get(name)!.push(job.id);
      const behaviour = behaviours.get(name) ?? 'normal';
      if (behaviour === 'never-back') return;
      if (behaviour === 'hang-in-boot') {
        await makeNotReady(name);
        return;
      }
      if (behaviour === 'fail-command') {
        const failed: JobStatus = {
          ...started,
          state: 'failed',
          exitCode: 1,
          message: 'simulated reboot failure',
          at: new Date().toISOString(),
        };
        await report(name, { [AGENT.jobStatus]: JSON.stringify(failed) });
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, rebootMs));
      if (stopped) return;
      boots.set(name, (boots.get(name) ?? 1) + 1);
      if (options.firstCheckMs) {
        // Up again, but the first check of the sentinel has not run yet: only the boot ID is new.
        await core.patchNode({ name, body: { metadata: { annotations: { [AGENT.bootId]: bootId(name) } } } }, MERGE);
        await new Promise((resolve) => setTimeout(resolve, options.firstCheckMs));
      }
      if (behaviour === 'normal') required.set(name, false);
      // A real agent reports the new boot's time with its report (--max-node-age reads it).
      await report(name, { [AGENT.bootTime]: new Date().toISOString() });
    } catch {
      // 409: the node changed under us; the next event decides again.
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
  const handle = (node: V1Node) => void onNode(node);
  informer.on('add', handle);
  informer.on('update', handle);
  informer.on('error', () => {
    if (!stopped) setTimeout(() => void informer.start(), 500);
  });
  for (const node of nodes) await report(node);
  await informer.start();

  return {
    executed,
    async setRequired(node, value) {
      required.set(node, value);
      await report(node);
    },
    setBehaviour(node, behaviour) {
      behaviours.set(node, behaviour);
    },
    bootId,
    makeNotReady,
    async bringBack(node, newBoot) {
      if (newBoot) {
        boots.set(node, (boots.get(node) ?? 1) + 1);
        required.set(node, false);
      }
      await core.patchNode(
        { name: node, body: { metadata: { annotations: { [KWOK_NODE_ANNOTATION.key]: KWOK_NODE_ANNOTATION.value } } } },
        MERGE,
      );
      await report(node);
    },
    async rebootByHand(node) {
      boots.set(node, (boots.get(node) ?? 1) + 1);
      required.set(node, false);
      await report(node);
    },
    async stop() {
      stopped = true;
      await informer.stop();
    },
  };
}
