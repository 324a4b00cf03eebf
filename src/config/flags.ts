// The table of every flag kreboot accepts: kured's flags with kured's names and defaults, and
// kreboot's own. Each flag names the roles that use it; a kured flag given to the other role is
// accepted with a notice, so a copied kured argument list never breaks (docs/migrating-from-kured.md).

import { DEFAULT_SILENCE_MATCHERS } from '../alertmanager/silence-matchers.ts';
import { NOTIFICATION_KINDS } from './notification-kinds.ts';

export type Role = 'controller' | 'agent' | 'cli';

/**
 * How a flag's text becomes a value.
 * - `list` is pflag's StringSlice: repeatable, and each value (and the environment) split on commas.
 * - `array` is pflag's StringArray: repeatable, never split on commas (selectors contain commas);
 *   from the environment, one value a line.
 */
type FlagKind = 'string' | 'bool' | 'int' | 'duration' | 'list' | 'array';

export interface FlagSpec {
  readonly name: string;
  readonly kind: FlagKind;
  readonly roles: readonly Role[];
  readonly default: string | boolean | number | readonly string[];
  readonly help: string;
  /** A flag of kured's: accepted by every role, with a notice where it does not take effect. */
  readonly kured?: boolean;
  /** Extra environment variable names read besides KREBOOT_<NAME> and KURED_<NAME>. */
  readonly env?: readonly string[];
  /** Allowed values, for enumerations. */
  readonly choices?: readonly string[];
}

/**
 * The notification URL schemes, named in --notify-url's help. Kept here rather than read from the
 * notifier registry so the agent's bundle does not load the notifiers; a unit test holds it to
 * src/notify/service-registry.ts.
 */
export const NOTIFY_SCHEMES: readonly string[] = [
  'slack',
  'teams',
  'teams+https',
  'teams+http',
  'discord',
  'mattermost',
  'telegram',
  'ntfy',
  'generic',
  'generic+https',
  'generic+http',
  'bark',
  'gotify',
  'googlechat',
  'hangouts',
  'ifttt',
  'join',
  'matrix',
  'opsgenie',
  'pushbullet',
  'pushover',
  'rocketchat',
  'smtp',
  'zulip',
];

const C: Role[] = ['controller'];
const A: Role[] = ['agent'];
const CA: Role[] = ['controller', 'agent'];
const ALL: Role[] = ['controller', 'agent', 'cli'];

/**
 * The credential and timeout flags of an outbound endpoint (Prometheus, Alertmanager): the same
 * five for each, read by readEndpoint (controller-config.ts): --<prefix>-bearer-token-file,
 * --<prefix>-username, --<prefix>-password-file, --<prefix>-ca-file, --<prefix>-timeout.
 */
function endpointFlags(prefix: string, service: string, timeoutHelp: string): FlagSpec[] {
  return [
    { name: `${prefix}-bearer-token-file`, kind: 'string', roles: C, default: '', help: `file holding a bearer token for ${service}` },
    { name: `${prefix}-username`, kind: 'string', roles: C, default: '', help: `basic-auth user name for ${service}` },
    { name: `${prefix}-password-file`, kind: 'string', roles: C, default: '', help: `file holding the basic-auth password for ${service}` },
    { name: `${prefix}-ca-file`, kind: 'string', roles: C, default: '', help: `CA bundle that signs ${service}'s certificate` },
    { name: `${prefix}-timeout`, kind: 'duration', roles: C, default: '10s', help: timeoutHelp },
  ];
}

export const FLAGS: readonly FlagSpec[] = [
  // --- kured's flags (seed manifest and later releases) ---
  { name: 'force-reboot', kind: 'bool', roles: C, default: false, kured: true, help: 'reboot even if the drain fails or times out' },
  {
    name: 'drain-grace-period',
    kind: 'int',
    roles: C,
    default: -1,
    kured: true,
    help: "seconds each pod gets to terminate during the drain; -1 uses the pod's own grace period",
  },
  {
    name: 'skip-wait-for-delete-timeout',
    kind: 'int',
    roles: C,
    default: 0,
    kured: true,
    help: 'seconds after which pods whose deletion timestamp is older are no longer waited for; 0 waits for all',
  },
  {
    name: 'drain-timeout',
    kind: 'duration',
    roles: C,
    default: '0',
    kured: true,
    help: 'how long a drain may take before it fails; 0 means no limit',
  },
  {
    name: 'drain-delay',
    kind: 'duration',
    roles: C,
    default: '0',
    kured: true,
    help: 'wait this long after cordoning before the drain starts',
  },
  {
    name: 'drain-pod-selector',
    kind: 'string',
    roles: C,
    default: '',
    kured: true,
    help: 'only evict pods matching this label selector during the drain',
  },
  { name: 'period', kind: 'duration', roles: A, default: '1h', kured: true, help: 'how often the agent checks the reboot sentinel' },
  {
    name: 'ds-namespace',
    kind: 'string',
    roles: C,
    default: 'kube-system',
    kured: true,
    help: 'namespace of the agent DaemonSet that holds the lock annotation',
  },
  {
    name: 'ds-name',
    kind: 'string',
    roles: C,
    default: 'kured',
    kured: true,
    help: 'name of the agent DaemonSet that holds the lock annotation',
  },
  {
    name: 'lock-annotation',
    kind: 'string',
    roles: C,
    default: 'weave.works/kured-node-lock',
    kured: true,
    help: 'annotation on the DaemonSet that records the reboot lock (kured-compatible)',
  },
  {
    name: 'lock-ttl',
    kind: 'duration',
    roles: C,
    default: '0',
    kured: true,
    help: 'expire a lock holder older than this, judged with the current value; 0 never expires',
  },
  {
    name: 'lock-release-delay',
    kind: 'duration',
    roles: C,
    default: '0',
    kured: true,
    help: 'wait this long after a node finishes before the next one starts',
  },
  {
    name: 'concurrency',
    kind: 'int',
    roles: C,
    default: 1,
    kured: true,
    help: 'how many nodes may be in flight (cordoned by kreboot and not yet back) at once',
  },
  {
    name: 'prometheus-url',
    kind: 'string',
    roles: C,
    default: '',
    kured: true,
    help: 'Prometheus to ask for firing alerts before each reboot; empty disables the alert gate',
  },
  {
    name: 'alert-filter-regexp',
    kind: 'string',
    roles: C,
    default: '',
    kured: true,
    help: 'alerts whose name matches are ignored by the alert gate (inverted by --alert-filter-match-only)',
  },
  {
    name: 'alert-filter-match-only',
    kind: 'bool',
    roles: C,
    default: false,
    kured: true,
    help: 'only alerts whose name matches --alert-filter-regexp block reboots',
  },
  {
    name: 'alert-firing-only',
    kind: 'bool',
    roles: C,
    default: false,
    kured: true,
    help: 'ignore pending alerts; only firing alerts block',
  },
  {
    name: 'reboot-sentinel',
    kind: 'string',
    roles: A,
    default: '/var/run/reboot-required',
    kured: true,
    help: 'file whose presence means the host needs a reboot',
  },
  {
    name: 'reboot-sentinel-command',
    kind: 'string',
    roles: A,
    default: '',
    kured: true,
    help: 'command run in the host mount namespace; exit 0 means a reboot is required (replaces --reboot-sentinel)',
  },
  {
    name: 'prefer-no-schedule-taint',
    kind: 'string',
    roles: C,
    default: '',
    kured: true,
    help: 'taint key set with effect PreferNoSchedule on nodes waiting for a reboot slot; empty disables it',
  },
  { name: 'slack-hook-url', kind: 'string', roles: C, default: '', kured: true, help: 'Slack incoming-webhook URL for notifications' },
  { name: 'slack-username', kind: 'string', roles: C, default: 'kured', kured: true, help: 'user name Slack messages are posted as' },
  {
    name: 'slack-channel',
    kind: 'string',
    roles: C,
    default: '',
    kured: true,
    help: "channel Slack messages are posted to (overrides the webhook's default)",
  },
  {
    name: 'notify-url',
    kind: 'array',
    roles: C,
    default: [],
    kured: true,
    help: `shoutrrr-style notification URL, one of: ${NOTIFY_SCHEMES.join(', ')} (docs/notifications.md)`,
  },
  {
    name: 'cluster-name',
    kind: 'string',
    roles: C,
    default: '',
    help: 'the cluster\'s name in notifications: {{cluster}} in every message template, and "[NAME] " before each default text',
  },
  {
    name: 'notify-events',
    kind: 'list',
    roles: C,
    default: [...NOTIFICATION_KINDS],
    choices: NOTIFICATION_KINDS,
    help: 'the kinds of event notified (the others are not sent)',
  },
  {
    name: 'message-template-drain',
    kind: 'string',
    roles: C,
    default: 'Draining node %s',
    kured: true,
    help: 'message sent when a drain starts; %s or {{node}} is the node name',
  },
  {
    name: 'message-template-reboot',
    kind: 'string',
    roles: C,
    default: 'Rebooting node %s',
    kured: true,
    help: 'message sent when a reboot is dispatched',
  },
  {
    name: 'message-template-uncordon',
    kind: 'string',
    roles: C,
    default: 'Node %s rebooted & uncordoned successfully!',
    kured: true,
    help: 'message sent when a node is back and uncordoned',
  },
  {
    name: 'blocking-pod-selector',
    kind: 'array',
    roles: C,
    default: [],
    kured: true,
    help: "label selector of pods that block their node's reboot while Pending or Running; any one matching blocks",
  },
  {
    name: 'reboot-days',
    kind: 'list',
    roles: C,
    default: ['su', 'mo', 'tu', 'we', 'th', 'fr', 'sa'],
    kured: true,
    help: 'days on which reboots may start',
  },
  {
    name: 'reboot-delay',
    kind: 'duration',
    roles: A,
    default: '0',
    kured: true,
    help: 'wait this long after a reboot job arrives before rebooting',
  },
  {
    name: 'require-lock-slot',
    kind: 'string',
    roles: A,
    default: '',
    help:
      'NAMESPACE/NAME of the DaemonSet holding the reboot lock: run a reboot job only while the lock lists this node as a kreboot holder, ' +
      'which agents cannot write (for clusters without the admission policies, docs/deploy.md); empty: off',
  },
  {
    name: 'require-lock-slot-annotation',
    kind: 'string',
    roles: A,
    default: 'weave.works/kured-node-lock',
    help: "the lock annotation on --require-lock-slot's DaemonSet (the controller's --lock-annotation)",
  },
  {
    name: 'start-time',
    kind: 'string',
    roles: C,
    default: '0:00',
    kured: true,
    help: 'time of day reboots may start (17:00, 5:00pm and 5PM all work)',
  },
  { name: 'end-time', kind: 'string', roles: C, default: '23:59:59', kured: true, help: 'time of day after which no reboot starts' },
  {
    name: 'time-zone',
    kind: 'string',
    roles: C,
    default: 'UTC',
    kured: true,
    help: 'IANA time zone of --start-time/--end-time and --maintenance-window, or "Local"',
  },
  {
    name: 'annotate-nodes',
    kind: 'bool',
    roles: C,
    default: false,
    kured: true,
    help: "also write kured's weave.works/kured-* annotations on nodes",
  },
  { name: 'log-format', kind: 'string', roles: ALL, default: 'text', kured: true, choices: ['json', 'text'], help: 'log format' },
  {
    name: 'reboot-command',
    kind: 'string',
    roles: A,
    default: '/bin/systemctl reboot',
    kured: true,
    help: 'command run in the host mount namespace to reboot (--reboot-method=command)',
  },
  {
    name: 'reboot-method',
    kind: 'string',
    roles: A,
    default: 'command',
    kured: true,
    choices: ['command', 'signal'],
    help: 'how the agent reboots the host',
  },
  {
    name: 'reboot-signal',
    kind: 'int',
    roles: A,
    default: 39,
    kured: true,
    help: "signal sent to host PID 1 with --reboot-method=signal (39 is SIGRTMIN+5, systemd's reboot)",
  },
  {
    name: 'pre-reboot-node-labels',
    kind: 'list',
    roles: C,
    default: [],
    kured: true,
    help: 'labels (key=value) set on a node before its drain',
  },
  {
    name: 'post-reboot-node-labels',
    kind: 'list',
    roles: C,
    default: [],
    kured: true,
    help: 'labels (key=value) set on a node after it is back',
  },
  {
    name: 'metrics-host',
    kind: 'string',
    roles: CA,
    default: '',
    kured: true,
    help: 'address the HTTP server (metrics, health, API) listens on; empty means all',
  },
  { name: 'metrics-port', kind: 'int', roles: CA, default: 8080, kured: true, help: 'port the HTTP server listens on' },
  {
    name: 'probe-port',
    kind: 'int',
    roles: C,
    default: 0,
    help: 'port of a second listener serving only /healthz and /readyz, for the kubelet (the manifests use 8081); 0: the probes only on --metrics-port',
  },
  {
    name: 'node-id',
    kind: 'string',
    roles: A,
    default: '',
    kured: true,
    env: ['KURED_NODE_ID', 'NODE_ID'],
    help: 'name of the node this agent runs on (from the downward API)',
  },

  // --- kreboot's own: both roles ---
  {
    name: 'kubeconfig',
    kind: 'string',
    roles: ALL,
    default: '',
    env: ['KUBECONFIG'],
    help: 'kubeconfig file; empty means in-cluster configuration (the CLI: ~/.kube/config, then in-cluster)',
  },
  {
    name: 'log-level',
    kind: 'string',
    roles: ALL,
    default: 'info',
    choices: ['trace', 'debug', 'info', 'warn', 'error'],
    help: 'lowest level logged',
  },

  // --- controller ---
  {
    name: 'pools-file',
    kind: 'string',
    roles: CA,
    default: '',
    help: 'YAML or JSON file of node pools (docs/pools.md): per pool a nodeSelector, concurrency, zone cap, window, trigger and reboot method; the controller reloads it when it changes; empty: one pool, the flags',
  },
  {
    name: 'trigger',
    kind: 'string',
    roles: C,
    default: 'alert',
    choices: ['alert', 'node'],
    help: "alert: reboot requests come from Alertmanager, the API or the CLI; node: the agents' own sentinel reports request too",
  },
  {
    name: 'webhook-auth',
    kind: 'string',
    roles: C,
    default: 'auto',
    choices: ['auto', 'none'],
    help: 'none accepts unauthenticated webhooks; auto requires the token or basic-auth files',
  },
  { name: 'webhook-token-file', kind: 'string', roles: C, default: '', help: 'file holding the bearer token Alertmanager sends' },
  { name: 'webhook-username', kind: 'string', roles: C, default: '', help: 'basic-auth user name Alertmanager sends' },
  { name: 'webhook-password-file', kind: 'string', roles: C, default: '', help: 'file holding the basic-auth password Alertmanager sends' },
  {
    name: 'webhook-body-limit',
    kind: 'int',
    roles: C,
    default: 8_388_608,
    help: 'largest webhook body accepted, in bytes (8 MiB: a payload of 10,000 alerts fits)',
  },
  {
    name: 'webhook-max-nodes',
    kind: 'int',
    roles: C,
    default: 10_000,
    help: 'most distinct nodes one webhook may name; more is refused with 413',
  },
  {
    name: 'admin-token-file',
    kind: 'string',
    roles: C,
    default: '',
    help: 'file holding the token that authorizes POST /api/v1/pause|resume|reboot; empty disables them',
  },
  {
    name: 'reboot-alert-regexp',
    kind: 'string',
    roles: C,
    default: '^RebootRequired$',
    help: 'alert names that request a reboot when firing and withdraw it when resolved',
  },
  {
    name: 'remediation-alert-regexp',
    kind: 'string',
    roles: C,
    default: '',
    help: 'alert names whose firing requests a reboot of their node (remediation); empty disables',
  },
  {
    name: 'alert-node-labels',
    kind: 'list',
    roles: C,
    default: ['node', 'instance', 'kubernetes_node', 'nodename'],
    help: 'alert labels naming a node, tried in order (instance has its port stripped)',
  },
  {
    name: 'alert-scope',
    kind: 'string',
    roles: C,
    // kured's meaning by default: any firing alert holds every node (n1 must not reboot while an
    // alert says n2 is down). Per-node scope is an opt-in (docs/gates.md).
    default: 'cluster',
    choices: ['cluster', 'node'],
    help: 'cluster: every alert that passes the filters blocks every node, as in kured; node: an alert naming a node blocks only that node',
  },
  {
    name: 'alert-filter-labels',
    kind: 'array',
    roles: C,
    default: [],
    help: 'label matchers (severity=critical, team!=dev, env=~prod.*) an alert must match to block; all must match',
  },
  {
    name: 'prometheus-gate-query',
    kind: 'string',
    roles: C,
    default: '',
    help: 'PromQL that must return no samples for reboots to proceed',
  },
  ...endpointFlags('prometheus', 'Prometheus', 'how long a Prometheus query may take before the gate blocks'),
  {
    name: 'alert-ignore-silenced',
    kind: 'bool',
    roles: C,
    default: false,
    help: 'the alert gate ignores alerts that Alertmanager (--alertmanager-url) silences or inhibits; Alertmanager unreachable blocks',
  },
  {
    name: 'alertmanager-url',
    kind: 'string',
    roles: C,
    default: '',
    help: "Alertmanager (API v2) to silence a rebooting node's alerts in and, with --alert-ignore-silenced, to ask which alerts are silenced; empty disables both",
  },
  ...endpointFlags('alertmanager', 'Alertmanager', 'how long an Alertmanager request may take before it counts as failed'),
  {
    name: 'silence-matchers',
    kind: 'array',
    roles: C,
    default: DEFAULT_SILENCE_MATCHERS,
    help: 'alerts silenced in Alertmanager while a node reboots: a matcher set (all must match) with {{node}} for the node name, e.g. \'alertname="KubeNodeNotReady", node="{{node}}"\'; one silence per set; an empty value turns silencing off',
  },
  {
    name: 'max-node-age',
    kind: 'duration',
    roles: C,
    default: '0',
    help: 'request a reboot of a node whose current boot is older than this, spread over the last tenth of it by node name (at least 1h); 0 turns it off',
  },
  {
    name: 'workload-gate',
    kind: 'bool',
    roles: C,
    default: true,
    help: 'before a node starts, wait until the workloads the last reboot evicted are Ready again and every PodDisruptionBudget covering its pods allows a disruption',
  },
  {
    name: 'workload-gate-timeout',
    kind: 'duration',
    roles: C,
    default: '30m',
    help: 'longest wait of the workload gate; then --workload-gate-timeout-action; 0 waits for ever',
  },
  {
    name: 'workload-gate-timeout-action',
    kind: 'string',
    roles: C,
    default: 'halt',
    choices: ['halt', 'continue'],
    help: 'when the workload gate times out: halt the rollout until "kreboot resume", or stop waiting and let the node start',
  },
  {
    name: 'maintenance-window',
    kind: 'array',
    roles: C,
    default: [],
    help: '"<cron> <duration>" during which reboots may start, e.g. "0 22 * * 1-5 4h"; reboots may start in any of them',
  },
  {
    name: 'reboot-timeout',
    kind: 'duration',
    roles: C,
    default: '30m',
    help: 'how long a dispatched node may take to come back before the rollout halts',
  },
  {
    name: 'max-reboot-attempts',
    kind: 'int',
    roles: C,
    default: 2,
    help: 'reboots of one request after which a node whose sentinel is still set is not rebooted again',
  },
  {
    name: 'stuck-node-reboot-retries',
    kind: 'int',
    roles: C,
    default: 0,
    help: 'reboots kreboot tries again on a node that did not come back (up under the same boot, or back within --stuck-node-retry-window) before it hands it to remediation or halts the rollout; 0 halts at once',
  },
  {
    name: 'stuck-node-retry-window',
    kind: 'duration',
    roles: C,
    default: '15m',
    help: 'with --stuck-node-reboot-retries: how long, once, a node that is not Ready after the reboot timeout may take to come back so it can be rebooted again',
  },
  {
    name: 'stuck-node-remediation-label',
    kind: 'list',
    roles: C,
    default: [],
    help: "labels (key=value) set on a node that did not come back, for a node-repair controller to act on (e.g. a cloud's repair); the rollout waits on the outcome",
  },
  {
    name: 'stuck-node-remediation-annotation',
    kind: 'list',
    roles: C,
    default: [],
    help: 'annotations (key=value) set on a node that did not come back, for a node-repair controller to act on (e.g. Cluster API external remediation); the rollout waits on the outcome',
  },
  {
    name: 'stuck-node-remediation-timeout',
    kind: 'duration',
    roles: C,
    default: '1h',
    help: 'how long a node handed to remediation may take to come back under a new boot, or be replaced by a new Node, before the rollout halts',
  },
  {
    name: 'node-selector',
    kind: 'string',
    roles: C,
    default: '',
    help: 'label selector of the nodes kreboot manages (for example a node pool); empty means all nodes',
  },
  {
    name: 'max-unavailable-per-zone',
    kind: 'int',
    roles: C,
    default: 0,
    help: 'most nodes out of service at once in one zone, besides --concurrency; 0 means no per-zone cap',
  },
  {
    name: 'zone-label',
    kind: 'string',
    roles: C,
    default: 'topology.kubernetes.io/zone',
    help: "node label whose value is the node's zone (for --max-unavailable-per-zone and --zone-by-zone)",
  },
  {
    name: 'zone-by-zone',
    kind: 'bool',
    roles: C,
    default: false,
    help: 'finish every requested node of one zone before starting the next zone',
  },
  {
    name: 'node-order',
    kind: 'array',
    roles: C,
    default: [],
    help: 'label selectors giving the order nodes go in: nodes matching the first go first, nodes matching none last (e.g. "!node-role.kubernetes.io/control-plane" puts control planes last)',
  },
  {
    name: 'retry-backoff',
    kind: 'duration',
    roles: C,
    default: '5m',
    help: 'wait this long before retrying a node whose drain or reboot command failed',
  },
  {
    name: 'pre-drain-hook-job',
    kind: 'string',
    roles: C,
    default: '',
    help: 'file holding a batch/v1 Job template run before each drain (the node in env KREBOOT_NODE); its failure stops that reboot',
  },
  {
    name: 'post-reboot-hook-job',
    kind: 'string',
    roles: C,
    default: '',
    help: 'file holding a batch/v1 Job template run once the node is back, before the uncordon; its failure stops that reboot',
  },
  {
    name: 'hook-timeout',
    kind: 'duration',
    roles: C,
    default: '10m',
    help: 'how long a hook (Job or host command) may run before it counts as failed',
  },
  {
    name: 'hook-failure',
    kind: 'string',
    roles: C,
    default: 'skip-node',
    choices: ['skip-node', 'halt'],
    help: "what a failed hook does beyond stopping its node's reboot: skip-node (other nodes go on) or halt (the rollout halts until resumed)",
  },
  {
    name: 'gate-recheck-period',
    kind: 'duration',
    roles: C,
    default: '30s',
    help: 'how often blocked nodes are re-evaluated against gates that give no reopening time (alerts, pods)',
  },
  { name: 'leader-elect', kind: 'bool', roles: C, default: true, help: 'elect one active replica through a coordination.k8s.io Lease' },
  {
    name: 'leader-election-namespace',
    kind: 'string',
    roles: C,
    default: '',
    help: 'namespace of the leader Lease; empty means --ds-namespace',
  },
  { name: 'leader-election-id', kind: 'string', roles: C, default: 'kreboot-controller', help: 'name of the leader Lease' },
  { name: 'lease-duration', kind: 'duration', roles: C, default: '15s', help: 'how long a leader holds the Lease without renewing' },
  {
    name: 'pod-name',
    kind: 'string',
    roles: C,
    default: '',
    env: ['POD_NAME'],
    help: "this replica's identity in the Lease; empty means the host name and process id",
  },

  // --- agent ---
  {
    name: 'sentinel-command-timeout',
    kind: 'duration',
    roles: A,
    default: '30s',
    help: 'how long --reboot-sentinel-command may run before it counts as an error',
  },
  {
    name: 'pre-drain-hook-command',
    kind: 'string',
    roles: A,
    default: '',
    help: "command run in the host mount namespace before the node is drained (the controller's --hook-timeout bounds it); a failure stops the reboot",
  },
  {
    name: 'post-reboot-hook-command',
    kind: 'string',
    roles: A,
    default: '',
    help: 'command run in the host mount namespace once the node is back, before the uncordon; a failure stops the reboot',
  },
  { name: 'boot-id-file', kind: 'string', roles: A, default: '/proc/sys/kernel/random/boot_id', help: "file holding the host's boot ID" },
  {
    name: 'proc-stat-file',
    kind: 'string',
    roles: A,
    default: '/proc/stat',
    help: 'file whose "btime" line gives the host\'s boot time (seconds since the epoch), reported for --max-node-age',
  },
  {
    name: 'nsenter',
    kind: 'string',
    roles: A,
    default: 'nsenter',
    help: 'nsenter binary used to run commands in the host mount namespace',
  },

  // --- CLI (status, pause, resume, reboot) ---
  {
    name: 'server',
    kind: 'string',
    roles: ['cli'],
    default: '',
    help: "URL of the kreboot controller (a port-forward, in-cluster); empty means through the Kubernetes API server's service proxy, as your kubeconfig's user",
  },
  {
    name: 'token-file',
    kind: 'string',
    roles: ['cli'],
    default: '',
    help: "file holding a token for pause, resume and reboot: the controller's admin token, or a Kubernetes token (a ServiceAccount's) whose user RBAC allows the action",
  },
  {
    name: 'context',
    kind: 'string',
    roles: ['cli'],
    default: '',
    help: "kubeconfig context to use; empty means the kubeconfig's current context",
  },
  { name: 'namespace', kind: 'string', roles: ['cli'], default: 'kreboot', help: "namespace of kreboot's controller Service" },
  {
    name: 'service',
    kind: 'string',
    roles: ['cli'],
    default: 'kreboot-controller:http',
    help: "the controller's Service, NAME or NAME:PORT (a port name or number), reached through the API server",
  },
  { name: 'output', kind: 'string', roles: ['cli'], default: 'text', choices: ['text', 'json'], help: 'output format of status and plan' },
  {
    name: 'watch',
    kind: 'bool',
    roles: ['cli'],
    default: false,
    help: 'status: keep showing the status live (redrawn in place on a terminal, one line per change otherwise)',
  },
  { name: 'reason', kind: 'string', roles: ['cli'], default: '', help: 'reason recorded with pause or reboot' },
];

export const FLAGS_BY_NAME: ReadonlyMap<string, FlagSpec> = new Map(FLAGS.map((flag) => [flag.name, flag]));

/** The environment variable names a flag reads, in precedence order (first wins). */
export function envNames(flag: FlagSpec): string[] {
  const upper = flag.name.toUpperCase().replaceAll('-', '_');
  return [`KREBOOT_${upper}`, `KURED_${upper}`, ...(flag.env ?? [])];
}
