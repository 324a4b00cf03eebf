// The real-node rollout, shared by the test (test/real/rollout.test.ts), the bench
// (bench/real-nodes.ts) and the demo (`npm run demo -- --vm`), once a reboot controller is installed
// (install.ts): a workload under a PodDisruptionBudget, the reboot sentinel created inside each VM,
// and a recorder that follows the rollout from the API server until every node is back, with the
// per-node figures.

import { AppsV1Api, CoreV1Api, KubeConfig, type V1Node } from '@kubernetes/client-node';
import { waitFor } from '../wait-for.ts';
import { checked, CONTROLLER_SELECTOR, KREBOOT_NAMESPACE } from './install-kreboot.ts';
import { isReady, startRolloutRecorder, type NodeTimeline, type RolloutRecorder } from './rollout-recorder.ts';
import { createWorkload, PINNED, WORKLOAD } from './real-workload.ts';

/** What the rollout needs of a VM node (test/harness/real-nodes/vm-node.ts). */
export interface GuestNode {
  readonly name: string;
  exec(argv: readonly string[], options?: { timeoutMs?: number }): Promise<{ code: number; stdout: string; stderr: string }>;
}

export const WORKLOAD_NAMESPACE = 'shop';

export interface NodeFigures {
  readonly node: string;
  /** Where the reboot command's time came from: the controller's own record, or the node going NotReady. */
  readonly rebootCommandSeen: 'reported' | 'NotReady';
  readonly sentinelToCordonS: number;
  readonly cordonToRebootCommandS: number;
  readonly rebootCommandToReadyS: number;
  readonly readyToUncordonS: number;
  /** Sentinel → uncordoned (for a node after the first, this includes waiting for its turn). */
  readonly totalS: number;
  /** The reboot controller's own time on the node: cordon → uncordoned minus the node's own reboot (reboot command → Ready). */
  readonly overheadS: number;
}

export function figures(timeline: NodeTimeline, sentinelAt: number): NodeFigures {
  const need = (value: number | undefined, what: string) => {
    if (value === undefined) throw new Error(`${timeline.node}: no ${what} was seen`);
    return value;
  };
  const cordon = need(timeline.cordonedAt, 'cordon');
  // A controller that publishes nothing when it runs the reboot command (kured; its pod's log goes
  // with the pod, which graceful shutdown fails and the DaemonSet replaces): the kubelet's NotReady,
  // which follows `systemctl reboot` within 0–2 s in kreboot's runs, stands in for it.
  const command = need(timeline.rebootCommandAt ?? timeline.notReadyAt, 'reboot command or NotReady');
  const ready = need(timeline.readyAgainAt, 'Ready with a new boot ID');
  const uncordon = need(timeline.uncordonedAt, 'uncordon');
  const s = (ms: number) => Math.round(ms / 100) / 10;
  return {
    node: timeline.node,
    rebootCommandSeen: timeline.rebootCommandAt !== undefined ? 'reported' : 'NotReady',
    sentinelToCordonS: s(cordon - sentinelAt),
    cordonToRebootCommandS: s(command - cordon),
    rebootCommandToReadyS: s(ready - command),
    readyToUncordonS: s(uncordon - ready),
    totalS: s(uncordon - sentinelAt),
    overheadS: s(uncordon - cordon - (ready - command)),
  };
}

export interface RealRolloutResult {
  readonly recorder: RolloutRecorder;
  /** Nodes in the order they were cordoned. */
  readonly order: string[];
  readonly figures: NodeFigures[];
  /** When the sentinel was created in each VM. */
  readonly sentinelAt: ReadonlyMap<string, number>;
  /** The boot ID each host gave before and after, read inside the VM. */
  readonly hostBootIds: ReadonlyMap<string, { before: string; after: string }>;
  readonly rolloutSeconds: number;
}

export interface RealRolloutOptions {
  readonly kubeconfigPath: string;
  readonly nodes: readonly GuestNode[];
  readonly image: string;
  readonly timeoutMs?: number;
  readonly onNote?: (line: string) => void;
  /** Which reboot controller's pods to follow: kreboot's (default) or none. */
  readonly followControllerPods?: boolean;
  /**
   * When the reboot command ran on a node, in the guest's clock, for a controller that does not
   * publish kreboot's job status (kured: its log line, read inside the VM).
   */
  readonly rebootCommandAt?: (node: GuestNode) => Promise<number | undefined>;
}

/**
 * The guest clock minus the host clock, in ms (to within the exec's round trip, ~0.2 s): the
 * agent stamps its job status in the guest's clock, which QEMU sets from the host at boot and
 * which may drift under emulation.
 */
async function guestClockOffsetMs(node: GuestNode): Promise<number> {
  const sent = Date.now();
  const guest = Number(checked(`date on ${node.name}`, await node.exec(['date', '+%s%3N'])).trim());
  return guest - (sent + Date.now()) / 2;
}

const BOOT_ID = ['cat', '/proc/sys/kernel/random/boot_id'];

/**
 * Creates the workload, starts the recorder, creates the sentinel in every VM at once, and waits
 * until every node rebooted (a new boot ID), is Ready and uncordoned. Works for any reboot
 * controller that drains and cordons (kured too): the figures come from the API server.
 */
export async function runRealRollout(options: RealRolloutOptions): Promise<RealRolloutResult> {
  const { kubeconfigPath, nodes, image, timeoutMs = 1_500_000, onNote = () => undefined } = options;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const names = nodes.map((n) => n.name);
  onNote(
    `workload: Deployment ${WORKLOAD.app} (${WORKLOAD.replicas} replicas, preStop ${WORKLOAD.preStopSeconds} s) + PDB minAvailable ${WORKLOAD.minAvailable}, Deployment ${PINNED.app} (${PINNED.replicas} replicas, one per node), bare pod on ${names[0]}`,
  );
  await createWorkload(kc, WORKLOAD_NAMESPACE, image, names[0]!);
  const apps = kc.makeApiClient(AppsV1Api);
  for (const { app, replicas } of [WORKLOAD, PINNED])
    await waitFor(
      async () => {
        const d = await apps.readNamespacedDeployment({ name: app, namespace: WORKLOAD_NAMESPACE });
        return (d.status?.readyReplicas ?? 0) === replicas;
      },
      { timeoutMs: 300_000, intervalMs: 1_000, what: `every ${app} replica Ready` },
    );
  const recorder = await startRolloutRecorder({
    kc,
    nodes: names,
    workloadNamespace: WORKLOAD_NAMESPACE,
    app: WORKLOAD.app,
    minReady: WORKLOAD.minAvailable,
    maxOut: 1,
    follow: options.followControllerPods === false ? undefined : { namespace: KREBOOT_NAMESPACE, labelSelector: CONTROLLER_SELECTOR },
    onNote,
  });
  try {
    const before = new Map<string, string>();
    const offsets = new Map<string, number>();
    for (const node of nodes) {
      before.set(node.name, checked(`boot ID of ${node.name}`, await node.exec(BOOT_ID)).trim());
      offsets.set(node.name, await guestClockOffsetMs(node));
    }
    onNote(`guest clocks minus the host's: ${[...offsets].map(([n, ms]) => `${n} ${Math.round(ms)} ms`).join(', ')}`);
    const sentinelAt = new Map<string, number>();
    const began = Date.now();
    await Promise.all(
      nodes.map(async (node) => {
        checked(`sentinel on ${node.name}`, await node.exec(['touch', '/var/run/reboot-required']));
        sentinelAt.set(node.name, Date.now());
        onNote(`${node.name}: /var/run/reboot-required created inside the VM`);
      }),
    );
    const core = kc.makeApiClient(CoreV1Api);
    await waitFor(
      async () => {
        const done = await Promise.all(names.map(async (name) => finished(await core.readNode({ name }), recorder.timelines.get(name)!)));
        return done.every(Boolean);
      },
      { timeoutMs, intervalMs: 2_000, what: 'every node rebooted, Ready and uncordoned' },
    );
    const rolloutSeconds = Math.round((Date.now() - began) / 100) / 10;
    const hostBootIds = new Map<string, { before: string; after: string }>();
    for (const node of nodes) {
      const after = await waitFor(async () => (await node.exec(BOOT_ID, { timeoutMs: 10_000 })).stdout.trim() || undefined, {
        timeoutMs: 120_000,
        intervalMs: 2_000,
        what: `the guest agent of ${node.name} after its reboot`,
      });
      hostBootIds.set(node.name, { before: before.get(node.name)!, after });
      const timeline = recorder.timelines.get(node.name)!;
      timeline.rebootCommandAt ??= await options.rebootCommandAt?.(node);
      // In the host's clock, like every other time of the timeline.
      if (timeline.rebootCommandAt !== undefined) timeline.rebootCommandAt -= offsets.get(node.name)!;
    }
    const order = [...names].sort((a, b) => (recorder.timelines.get(a)!.cordonedAt ?? 0) - (recorder.timelines.get(b)!.cordonedAt ?? 0));
    return {
      recorder,
      order,
      figures: order.map((name) => figures(recorder.timelines.get(name)!, sentinelAt.get(name)!)),
      sentinelAt,
      hostBootIds,
      rolloutSeconds,
    };
  } finally {
    await recorder.stop();
  }
}

function finished(node: V1Node, timeline: NodeTimeline): boolean {
  return timeline.bootIds.length > 1 && isReady(node) && node.spec?.unschedulable !== true && timeline.uncordonedAt !== undefined;
}

/** One line per node for the note and docs/performance.md. */
export function formatFigures(rows: readonly NodeFigures[]): string {
  const header = 'node | sentinel → cordon | cordon → reboot command | reboot command → Ready | Ready → uncordoned | total | overhead';
  return [
    header,
    ...rows.map(
      (f) =>
        `${f.node} | ${f.sentinelToCordonS} s | ${f.cordonToRebootCommandS} s${f.rebootCommandSeen === 'NotReady' ? ' (to NotReady)' : ''} | ${f.rebootCommandToReadyS} s | ${f.readyToUncordonS} s | ${f.totalS} s | ${f.overheadS} s`,
    ),
  ].join('\n');
}
