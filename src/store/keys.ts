// Every annotation and label key kreboot reads or writes, in one place: kreboot's keys live under
// kreboot.dev/ (the product's public interface); kured's are kept for --annotate-nodes. See
// docs/adr/0002-node-records-and-job-protocol.md.

export const PREFIX = 'kreboot.dev/';
/** The prefix of kured's node annotations. */
export const KURED_PREFIX = 'weave.works/';

/** Written by the agent about its own node. */
export const AGENT = {
  rebootRequired: `${PREFIX}reboot-required`, // "true" | "false"
  sentinelCheckedAt: `${PREFIX}sentinel-checked-at`, // RFC 3339
  sentinelError: `${PREFIX}sentinel-error`, // last check's error, absent when it worked
  bootId: `${PREFIX}boot-id`,
  agentVersion: `${PREFIX}agent-version`,
  jobStatus: `${PREFIX}job-status`, // JSON JobStatus
  bootTime: `${PREFIX}boot-time`, // RFC 3339: when the host's current boot began (/proc/stat btime)
  hookStatus: `${PREFIX}hook-status`, // JSON HostHookStatus: what the agent did with the host hook (ADR 0019)
  hostHooks: `${PREFIX}host-hooks`, // the hook points this agent has a host command for, comma-separated
} as const;

/** Written by the controller. */
export const CONTROLLER = {
  rebootJob: `${PREFIX}reboot-job`, // JSON RebootJob
  checkRequestedAt: `${PREFIX}check-requested-at`, // RFC 3339: the agent re-checks its sentinel when this changes
  request: `${PREFIX}reboot-request`, // JSON RebootRequest
  state: `${PREFIX}state`, // JSON NodeProgress
  remediated: `${PREFIX}remediated`, // JSON RemediationMemory: alert episodes already rebooted for
  silences: `${PREFIX}silences`, // JSON list of Alertmanager silence IDs kreboot created for this node's reboot
  hooks: `${PREFIX}hooks`, // JSON list of HookRun: the hooks run around this node's reboots (ADR 0019)
  hookJob: `${PREFIX}hook-job`, // JSON HostHookJob: a host hook handed to the agent, beside its running HookRun
  evictedWorkloads: `${PREFIX}evicted-workloads`, // JSON EvictedWorkloads: the workloads a drain disrupted (the workload gate)
} as const;

/**
 * The install that last wrote a node's records (`NAMESPACE/NAME` of its lock DaemonSet), written
 * with every controller write (docs/pools.md, "Two installs"): another install holds such a node
 * while this one has work on it, and refuses to start over it.
 */
export const INSTALL_ANNOTATION = `${PREFIX}install`;

/** A label on nodes kreboot is working on (kubectl get nodes -L kreboot.dev/phase); removed when done. */
export const PHASE_LABEL = `${PREFIX}phase`;

/** kured's node annotations, written under --annotate-nodes. */
export const KURED = {
  rebootInProgress: `${KURED_PREFIX}kured-reboot-in-progress`,
  mostRecentRebootNeeded: `${KURED_PREFIX}kured-most-recent-reboot-needed`,
} as const;

/** On the lock DaemonSet, beside kured's lock annotation (rollout-record.ts). */
export const PAUSED_ANNOTATION = `${PREFIX}paused`;
/** Written by versions before the halt was derived from the nodes' records; still read, cleared by resume. */
export const HALTED_ANNOTATION = `${PREFIX}halted`;
/** The operator's last resume: nodes that halted the rollout before it are re-armed by the policy. */
export const RESUMED_ANNOTATION = `${PREFIX}resumed`;
/**
 * A node a recovery policy works on (--stuck-node-*): kept while it recovers, so the rollout keeps
 * waiting when a node-repair controller deletes the node, until a replacement registers.
 */
export const RECOVERING_ANNOTATION = `${PREFIX}recovering`;
