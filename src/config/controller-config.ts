// The controller's configuration: every flag it uses, typed and frozen.

import type { EndpointConfig } from '../auth/outbound-credentials.ts';
import { checkLabelSelector } from '../kube/label-selector.ts';
import { parseMatcherSets, type MatcherSet } from '../alertmanager/silence-matchers.ts';
import type { NotificationKind } from '../notify/event.ts';
import { deepFreeze } from './deep-freeze.ts';
import { readHookTemplate, type HookConfig, type HookFailure } from './hook-config.ts';
import { checkKey, checkLabelValue } from './label-pair.ts';
import type { RecoverySettings } from '../controller/policy/recovery.ts';
import { readPoolsFile } from './pools-file.ts';
import { resolvePools, type PoolSpec } from '../controller/pools/pool-specs.ts';
import { commonConfig, readFlags, type CommonConfig, type FlagReader, type Loaded } from './load-config.ts';

/** --max-node-age below this is refused: a node would be due again soon after every reboot. */
const MIN_NODE_AGE_MS = 3_600_000;

export interface ControllerConfig extends CommonConfig {
  // reboot rollout
  readonly concurrency: number;
  readonly lock: {
    readonly dsNamespace: string;
    readonly dsName: string;
    readonly annotation: string;
    readonly ttlMs: number;
    readonly releaseDelayMs: number;
  };
  readonly forceReboot: boolean;
  readonly drain: {
    readonly gracePeriodSeconds: number;
    readonly skipWaitForDeleteTimeoutSeconds: number;
    readonly timeoutMs: number;
    readonly delayMs: number;
    readonly podSelector: string;
  };
  readonly preferNoScheduleTaint: string;
  readonly preRebootNodeLabels: Readonly<Record<string, string>>;
  readonly postRebootNodeLabels: Readonly<Record<string, string>>;
  readonly annotateNodes: boolean;
  readonly rebootTimeoutMs: number;
  readonly maxRebootAttempts: number;
  /** --stuck-node-*: what is tried on a node that does not come back before the rollout halts. */
  readonly stuckNode: RecoverySettings;
  readonly trigger: 'alert' | 'node';
  readonly retryBackoffMs: number;
  readonly nodeSelector: string;
  readonly gateRecheckMs: number;
  readonly topology: {
    readonly zoneLabel: string;
    readonly maxUnavailablePerZone: number;
    readonly zoneByZone: boolean;
    readonly nodeOrder: readonly string[];
  };
  /** --max-node-age: 0 is off. */
  readonly maxNodeAgeMs: number;
  /** Hooks around the reboot (ADR 0019); absent in tests that build the config by hand. */
  readonly hooks?: HookConfig;
  /** The workload gate (--workload-gate*, ADR 0018). */
  readonly workloadGate: {
    readonly enabled: boolean;
    /** 0 waits for ever. */
    readonly timeoutMs: number;
    readonly onTimeout: 'halt' | 'continue';
  };
  /** --pools-file; empty: none. */
  readonly poolsFile?: string;
  /** The text the pools (below) were read from at start: what a later change of the file is compared with. */
  readonly poolsFileText?: string;
  /** The pools from --pools-file, the default pool first; absent or empty: the default pool only. */
  readonly pools?: readonly PoolSpec[];
  // gates
  readonly prometheus: EndpointConfig & {
    readonly alertFilter: RegExp | undefined;
    readonly alertFilterMatchOnly: boolean;
    readonly alertFiringOnly: boolean;
    readonly alertScope: 'node' | 'cluster';
    readonly alertFilterLabels: readonly string[];
    /** --alert-ignore-silenced: alerts Alertmanager silences or inhibits do not block. */
    readonly alertIgnoreSilenced: boolean;
    readonly gateQuery: string;
  };
  // Alertmanager: quiet maintenance (silences) and the alert gate's silenced-alert lookup
  readonly alertmanager: EndpointConfig & {
    readonly silenceMatchers: readonly MatcherSet[];
  };
  readonly window: {
    readonly rebootDays: readonly string[];
    readonly startTime: string;
    readonly endTime: string;
    readonly timeZone: string;
    readonly maintenanceWindows: readonly string[];
  };
  readonly blockingPodSelectors: readonly string[];
  // intake
  readonly webhook: {
    readonly auth: 'auto' | 'none';
    readonly tokenFile: string;
    readonly username: string;
    readonly passwordFile: string;
    readonly bodyLimitBytes: number;
    readonly maxNodes: number;
  };
  readonly adminTokenFile: string;
  /** The probes' own listener (/healthz, /readyz); 0: none, the probes only on the main port. */
  readonly probePort: number;
  readonly rebootAlert: RegExp | undefined;
  readonly remediationAlert: RegExp | undefined;
  readonly alertNodeLabels: readonly string[];
  // notifications
  readonly notify: {
    readonly urls: readonly string[];
    readonly slackHookUrl: string;
    readonly slackUsername: string;
    readonly slackChannel: string;
    readonly templates: { readonly drain: string; readonly reboot: string; readonly uncordon: string };
    /** --cluster-name: {{cluster}} in the templates; empty: none. Absent in tests that build the config by hand. */
    readonly clusterName?: string;
    /** --notify-events: the kinds sent; absent means every kind. */
    readonly events?: readonly NotificationKind[];
  };
  // high availability
  readonly leaderElection: {
    readonly enabled: boolean;
    readonly namespace: string;
    readonly name: string;
    readonly leaseDurationMs: number;
    readonly identity: string;
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/** An outbound endpoint's flags: --<prefix>-url, -bearer-token-file, -username, -password-file, -ca-file, -timeout. */
function readEndpoint(r: FlagReader, prefix: 'prometheus' | 'alertmanager'): EndpointConfig {
  const endpoint = {
    url: r.url(`${prefix}-url`),
    bearerTokenFile: r.string(`${prefix}-bearer-token-file`),
    username: r.string(`${prefix}-username`),
    passwordFile: r.string(`${prefix}-password-file`),
    caFile: r.string(`${prefix}-ca-file`),
    timeoutMs: r.duration(`${prefix}-timeout`),
  };
  if ((endpoint.username === '') !== (endpoint.passwordFile === '')) {
    r.problems.push(`--${prefix}-username and --${prefix}-password-file: give both for basic auth, or neither`);
  }
  if (endpoint.timeoutMs <= 0) r.problems.push(`--${prefix}-timeout: must be greater than 0`);
  return endpoint;
}

/** --stuck-node-*: the recovery policies; the remediation marks must be valid label/annotation pairs. */
function readStuckNode(r: FlagReader): RecoverySettings {
  const retries = r.int('stuck-node-reboot-retries', 0, 10);
  const retryWindowMs = r.duration('stuck-node-retry-window');
  const labels = r.labels('stuck-node-remediation-label');
  const annotations = r.labels('stuck-node-remediation-annotation');
  const timeoutMs = r.duration('stuck-node-remediation-timeout');
  for (const [key, value] of Object.entries(labels)) {
    const problem = checkKey(key) ?? checkLabelValue(value);
    if (problem) r.problems.push(`--stuck-node-remediation-label: "${key}=${value}": ${problem}`);
  }
  for (const key of Object.keys(annotations)) {
    const problem = checkKey(key);
    if (problem) r.problems.push(`--stuck-node-remediation-annotation: "${key}": ${problem}`);
  }
  const marked = Object.keys(labels).length + Object.keys(annotations).length > 0;
  if (marked && timeoutMs <= 0) r.problems.push('--stuck-node-remediation-timeout: must be greater than 0');
  if (retries > 0 && retryWindowMs < 0) r.problems.push('--stuck-node-retry-window: must not be negative');
  return { retries, retryWindowMs, ...(marked ? { remediation: { labels, annotations, timeoutMs } } : {}) };
}

export function loadControllerConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Loaded<ControllerConfig> {
  const { reader: r, parsed } = readFlags('controller', argv, env);
  const dsNamespace = r.string('ds-namespace');
  // The controller's own namespace (where its Lease is): hook Jobs run there (ADR 0019).
  const ownNamespace = r.string('leader-election-namespace') || dsNamespace;
  const webhookAuth = r.string('webhook-auth') as 'auto' | 'none';
  const webhook = {
    auth: webhookAuth,
    tokenFile: r.string('webhook-token-file'),
    username: r.string('webhook-username'),
    passwordFile: r.string('webhook-password-file'),
    bodyLimitBytes: r.int('webhook-body-limit', 1024, 64 * 1024 * 1024),
    maxNodes: r.int('webhook-max-nodes', 1, 100_000),
  };
  if (webhook.auth === 'auto' && webhook.tokenFile === '' && webhook.passwordFile === '') {
    r.problems.push(
      '--webhook-token-file or --webhook-username/--webhook-password-file: the webhook needs credentials; give one, or --webhook-auth=none to accept unauthenticated webhooks',
    );
  }
  if ((webhook.username === '') !== (webhook.passwordFile === '')) {
    r.problems.push('--webhook-username and --webhook-password-file: give both for basic auth, or neither');
  }
  const prometheus = readEndpoint(r, 'prometheus');
  const alertmanager = readEndpoint(r, 'alertmanager');
  const silenceMatchers = parseMatcherSets(r.list('silence-matchers'), '--silence-matchers');
  r.problems.push(...silenceMatchers.problems);
  const config: ControllerConfig = {
    ...commonConfig(r),
    concurrency: r.int('concurrency', 1, 1000),
    lock: {
      dsNamespace,
      dsName: r.string('ds-name'),
      annotation: r.string('lock-annotation'),
      ttlMs: r.duration('lock-ttl'),
      releaseDelayMs: r.duration('lock-release-delay'),
    },
    forceReboot: r.bool('force-reboot'),
    drain: {
      gracePeriodSeconds: r.int('drain-grace-period', -1),
      skipWaitForDeleteTimeoutSeconds: r.int('skip-wait-for-delete-timeout', 0),
      timeoutMs: r.duration('drain-timeout'),
      delayMs: r.duration('drain-delay'),
      podSelector: r.string('drain-pod-selector'),
    },
    preferNoScheduleTaint: r.string('prefer-no-schedule-taint'),
    preRebootNodeLabels: r.labels('pre-reboot-node-labels'),
    postRebootNodeLabels: r.labels('post-reboot-node-labels'),
    annotateNodes: r.bool('annotate-nodes'),
    rebootTimeoutMs: r.duration('reboot-timeout'),
    maxRebootAttempts: r.int('max-reboot-attempts', 1, 100),
    stuckNode: readStuckNode(r),
    trigger: r.string('trigger') as 'alert' | 'node',
    retryBackoffMs: r.duration('retry-backoff'),
    nodeSelector: r.string('node-selector'),
    gateRecheckMs: r.duration('gate-recheck-period'),
    topology: {
      zoneLabel: r.string('zone-label'),
      maxUnavailablePerZone: r.int('max-unavailable-per-zone', 0, 1000),
      zoneByZone: r.bool('zone-by-zone'),
      nodeOrder: r.list('node-order'),
    },
    maxNodeAgeMs: r.duration('max-node-age'),
    hooks: {
      jobs: {
        ...optional('pre-drain', readHookTemplate('pre-drain-hook-job', r.string('pre-drain-hook-job'), ownNamespace, r.problems)),
        ...optional('post-reboot', readHookTemplate('post-reboot-hook-job', r.string('post-reboot-hook-job'), ownNamespace, r.problems)),
      },
      timeoutMs: r.duration('hook-timeout'),
      onFailure: r.string('hook-failure') as HookFailure,
      namespace: ownNamespace,
    },
    workloadGate: {
      enabled: r.bool('workload-gate'),
      timeoutMs: r.duration('workload-gate-timeout'),
      onTimeout: r.string('workload-gate-timeout-action') as 'halt' | 'continue',
    },
    poolsFile: r.string('pools-file'),
    prometheus: {
      ...prometheus,
      alertFilter: r.regexp('alert-filter-regexp'),
      alertFilterMatchOnly: r.bool('alert-filter-match-only'),
      alertFiringOnly: r.bool('alert-firing-only'),
      alertScope: r.string('alert-scope') as 'node' | 'cluster',
      alertFilterLabels: r.list('alert-filter-labels'),
      alertIgnoreSilenced: r.bool('alert-ignore-silenced'),
      gateQuery: r.string('prometheus-gate-query'),
    },
    alertmanager: {
      ...alertmanager,
      silenceMatchers: silenceMatchers.sets,
    },
    window: {
      rebootDays: r.list('reboot-days'),
      startTime: r.string('start-time'),
      endTime: r.string('end-time'),
      timeZone: r.string('time-zone'),
      maintenanceWindows: r.list('maintenance-window'),
    },
    blockingPodSelectors: r.list('blocking-pod-selector'),
    webhook,
    adminTokenFile: r.string('admin-token-file'),
    probePort: r.int('probe-port', 0, 65535),
    rebootAlert: r.regexp('reboot-alert-regexp'),
    remediationAlert: r.regexp('remediation-alert-regexp'),
    alertNodeLabels: r.list('alert-node-labels'),
    notify: {
      urls: r.list('notify-url'),
      slackHookUrl: r.string('slack-hook-url'),
      slackUsername: r.string('slack-username'),
      slackChannel: r.string('slack-channel'),
      templates: {
        drain: r.string('message-template-drain'),
        reboot: r.string('message-template-reboot'),
        uncordon: r.string('message-template-uncordon'),
      },
      clusterName: r.string('cluster-name').trim(),
      events: r.list('notify-events') as NotificationKind[],
    },
    leaderElection: {
      enabled: r.bool('leader-elect'),
      namespace: ownNamespace,
      name: r.string('leader-election-id'),
      leaseDurationMs: r.duration('lease-duration'),
      identity: r.string('pod-name'),
    },
  };
  if (config.prometheus.alertIgnoreSilenced && r.string('alertmanager-url') === '') {
    r.problems.push('--alert-ignore-silenced: needs --alertmanager-url (the Alertmanager that knows the silences)');
  }
  if (config.prometheus.alertIgnoreSilenced && r.string('prometheus-url') === '') {
    r.problems.push('--alert-ignore-silenced: needs --prometheus-url (it is an option of the Prometheus alert gate)');
  }
  if (config.notify.events?.length === 0) {
    r.problems.push('--notify-events: empty; name the kinds to send (to send nothing, give no --notify-url)');
  }
  if (config.maxNodeAgeMs > 0 && config.maxNodeAgeMs < MIN_NODE_AGE_MS) r.problems.push('--max-node-age: must be 0 (off) or at least 1h');
  if (config.probePort !== 0 && config.probePort === config.metricsPort)
    r.problems.push('--probe-port: must differ from --metrics-port (or be 0: the probes only on --metrics-port)');
  if (config.gateRecheckMs < 1000) r.problems.push('--gate-recheck-period: must be at least 1s');
  if (config.rebootTimeoutMs <= 0) r.problems.push('--reboot-timeout: must be greater than 0');
  if ((config.hooks?.timeoutMs ?? 1) < 1000) r.problems.push('--hook-timeout: must be at least 1s');
  // A retry is another reboot of the same request: the reboot-loop guard bounds it too.
  if (config.stuckNode.retries > 0 && config.stuckNode.retries >= config.maxRebootAttempts)
    r.problems.push(
      `--stuck-node-reboot-retries: ${config.stuckNode.retries} retries need --max-reboot-attempts of at least ${config.stuckNode.retries + 1} (it is ${config.maxRebootAttempts}): a retry is another reboot of the same request`,
    );
  if (config.leaderElection.leaseDurationMs < 2000) r.problems.push('--lease-duration: must be at least 2s');
  if ((config.topology.maxUnavailablePerZone > 0 || config.topology.zoneByZone) && config.topology.zoneLabel.trim() === '')
    r.problems.push('--zone-label: needed by --max-unavailable-per-zone and --zone-by-zone');
  for (const selector of config.topology.nodeOrder) {
    const problem = checkLabelSelector(selector);
    if (problem) r.problems.push(`--node-order: "${selector}": ${problem}`);
  }
  const notices = [...parsed.notices];
  if (config.poolsFile) {
    const file = readPoolsFile(config.poolsFile);
    const resolved = resolvePools(file.entries, config);
    r.problems.push(...file.problems, ...resolved.problems);
    notices.push(...resolved.notices);
    (config as { pools?: readonly PoolSpec[] }).pools = resolved.pools;
    (config as { poolsFileText?: string }).poolsFileText = file.text;
  }
  return {
    config: deepFreeze(config),
    problems: r.problems,
    notices,
    help: parsed.help,
    positionals: parsed.positionals,
    reader: r,
  };
}
