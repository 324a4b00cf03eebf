// Every annotation and label key kreboot reads or writes on Nodes, in one place (PRODUCT.md:
// keys live under kreboot.dev/; kured's keys are kept for --annotate-nodes). See docs/adr/0002.

export const PREFIX = 'kreboot.dev/';

/** Written by the agent about its own node. */
export const AGENT = {
  rebootRequired: `${PREFIX}reboot-required`, // "true" | "false"
  sentinelCheckedAt: `${PREFIX}sentinel-checked-at`, // RFC 3339
  sentinelError: `${PREFIX}sentinel-error`, // last check's error, absent when it worked
  bootId: `${PREFIX}boot-id`,
  agentVersion: `${PREFIX}agent-version`,
  jobStatus: `${PREFIX}job-status`, // JSON JobStatus
  bootTime: `${PREFIX}boot-time`, // RFC 3339: when the host's current boot began (/proc/stat btime)
} as const;

/** Written by the controller. */
export const CONTROLLER = {
  rebootJob: `${PREFIX}reboot-job`, // JSON RebootJob
  checkRequestedAt: `${PREFIX}check-requested-at`, // RFC 3339: the agent re-checks its sentinel when this changes
  request: `${PREFIX}reboot-request`, // JSON RebootRequest
  state: `${PREFIX}state`, // JSON NodeProgress
  remediated: `${PREFIX}remediated`, // JSON RemediationMemory: alert episodes already rebooted for
  silences: `${PREFIX}silences`, // JSON list of Alertmanager silence IDs kreboot created for this node's reboot
} as const;

/** A label on nodes kreboot is working on (kubectl get nodes -L kreboot.dev/phase); removed when done. */
export const PHASE_LABEL = `${PREFIX}phase`;

/** kured's annotation prefix. */
export const KURED_PREFIX = 'weave.works/';

/** kured's node annotations, written under --annotate-nodes. */
export const KURED = {
  rebootInProgress: `${KURED_PREFIX}kured-reboot-in-progress`,
  mostRecentRebootNeeded: `${KURED_PREFIX}kured-most-recent-reboot-needed`,
} as const;

/** A reboot job the controller hands to a node's agent. */
export interface RebootJob {
  readonly id: string;
  readonly createdAt: string;
  /** The boot ID when the job was created: once the node reports another, the job is done. */
  readonly bootIdBefore: string;
  /**
   * RFC 3339: the agent does not start the job after this (the controller's reboot timeout). The
   * controller removes a timed-out job too; this covers an agent that starts late in the same boot.
   */
  readonly notAfter?: string;
}

/** The agent's record of what it did with a job. */
export interface JobStatus {
  readonly id: string;
  readonly state: 'acknowledged' | 'started' | 'failed';
  readonly at: string;
  /** Boot ID at the time of writing. */
  readonly bootId: string;
  readonly exitCode?: number;
  readonly message?: string;
}
