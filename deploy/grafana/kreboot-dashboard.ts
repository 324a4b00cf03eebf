// The kreboot Grafana dashboard, written against Grafana's published schema types (@grafana/schema:
// the dashboard and panel models, and each panel plugin's options), so a misspelt option or a wrong
// enum value fails the type check instead of being silently dropped by Grafana. The JSON in this
// folder and in the Helm chart is generated from it (scripts/build-dashboard.ts), and every query
// is run against a real Prometheus after a real rollout (test/e2e/status-page.test.ts).
//
// Every query works with both controller replicas scraped: gauges are read with `max` (both
// replicas export the same records), counters with `sum` (only the leader counts).

import {
  BarGaugeDisplayMode,
  BarGaugeNamePlacement,
  BarGaugeSizing,
  BarGaugeValueMode,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  GraphDrawStyle,
  LegendDisplayMode,
  MappingType,
  PercentChangeColorMode,
  SortOrder,
  StackingMode,
  ThresholdsMode,
  TooltipDisplayMode,
  VizOrientation,
  type DataQuery,
  type Dashboard,
  type FieldConfigSource,
  type GraphFieldConfig,
  type Panel,
  type RowPanel,
  type ValueMapping,
  type VariableModel,
} from '@grafana/schema';
import type { Options as BarGaugeOptions } from '@grafana/schema/dist/esm/raw/composable/bargauge/panelcfg/x/BarGaugePanelCfg_types.gen';
import type { Options as StatOptions } from '@grafana/schema/dist/esm/raw/composable/stat/panelcfg/x/StatPanelCfg_types.gen';
import type { Options as TimeSeriesOptions } from '@grafana/schema/dist/esm/raw/composable/timeseries/panelcfg/x/TimeSeriesPanelCfg_types.gen';

/** A Prometheus target: Grafana's common query fields plus the Prometheus plugin's own. */
export type PromQuery = DataQuery & {
  readonly expr: string;
  readonly legendFormat?: string;
  /** Stat and bar gauge panels ask for one value at the end of the range. */
  readonly instant?: boolean;
  readonly range?: boolean;
};

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' } as const;

/**
 * Scopes every kreboot series of a query to the chosen cluster: `cluster="$cluster"`. Several
 * clusters in one Prometheus (Thanos, Mimir, a federation) carry a `cluster` label; a single
 * cluster's Prometheus has none, its variable is then empty, and `cluster=""` matches every series
 * without the label, so the same dashboard serves both.
 */
export function scopedToCluster(expr: string): string {
  return expr.replace(
    /\b(kreboot_[a-z0-9_]+|kured_reboot_required)(\{([^}]*)\})?/g,
    (_match, metric: string, _braces, matchers?: string) =>
      matchers ? `${metric}{cluster="$cluster", ${matchers}}` : `${metric}{cluster="$cluster"}`,
  );
}

// Panel.targets is typed as plain records in the schema; the query is checked as a PromQuery first.
function query(refId: string, expr: string, legendFormat: string, instant: boolean): Record<string, unknown> {
  const target: PromQuery = {
    refId,
    datasource: DATASOURCE,
    expr: scopedToCluster(expr),
    legendFormat,
    ...(instant ? { instant: true, range: false } : { instant: false, range: true }),
  };
  return { ...target };
}

const thresholds = (steps: Array<[number | null, string]>): NonNullable<FieldConfigSource['defaults']['thresholds']> => ({
  mode: ThresholdsMode.Absolute,
  steps: steps.map(([value, color]) => ({ value: value as number, color })),
});

type Grid = { x: number; y: number; w: number; h: number };
let nextId = 1;

function stat(
  title: string,
  description: string,
  gridPos: Grid,
  expr: string,
  options: { unit?: string; mappings?: ValueMapping[]; steps?: Array<[number | null, string]> } = {},
): Panel {
  const statOptions: StatOptions = {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    orientation: VizOrientation.Auto,
    colorMode: BigValueColorMode.Background,
    graphMode: BigValueGraphMode.None,
    justifyMode: BigValueJustifyMode.Center,
    textMode: BigValueTextMode.Value,
    percentChangeColorMode: PercentChangeColorMode.Standard,
    showPercentChange: false,
    wideLayout: true,
  };
  return {
    id: nextId++,
    type: 'stat',
    title,
    description,
    gridPos,
    datasource: DATASOURCE,
    targets: [query('A', expr, title, true)],
    fieldConfig: {
      defaults: {
        unit: options.unit ?? 'none',
        mappings: options.mappings ?? [],
        thresholds: thresholds(options.steps ?? [[null, 'green']]),
      },
      overrides: [],
    },
    options: statOptions as unknown as Record<string, unknown>,
  };
}

function timeseries(
  title: string,
  description: string,
  gridPos: Grid,
  targets: Array<[string, string]>,
  options: { unit?: string; stacked?: boolean; bars?: boolean } = {},
): Panel {
  const seriesOptions: TimeSeriesOptions = {
    legend: { showLegend: true, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] },
    tooltip: { mode: TooltipDisplayMode.Multi, sort: SortOrder.Descending },
  };
  const custom: GraphFieldConfig = {
    drawStyle: options.bars ? GraphDrawStyle.Bars : GraphDrawStyle.Line,
    lineWidth: 1,
    fillOpacity: options.stacked ? 60 : 10,
    stacking: { mode: options.stacked ? StackingMode.Normal : StackingMode.None, group: 'A' },
  };
  return {
    id: nextId++,
    type: 'timeseries',
    title,
    description,
    gridPos,
    datasource: DATASOURCE,
    targets: targets.map(([expr, legend], index) => query(String.fromCharCode(65 + index), expr, legend, false)),
    fieldConfig: { defaults: { unit: options.unit ?? 'none', custom: { ...custom } }, overrides: [] },
    options: seriesOptions as unknown as Record<string, unknown>,
  };
}

function bargauge(
  title: string,
  description: string,
  gridPos: Grid,
  expr: string,
  legend: string,
  unit: string,
  steps: Array<[number | null, string]> = [[null, 'blue']],
): Panel {
  const barOptions: BarGaugeOptions = {
    reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false },
    orientation: VizOrientation.Horizontal,
    displayMode: BarGaugeDisplayMode.Gradient,
    valueMode: BarGaugeValueMode.Color,
    namePlacement: BarGaugeNamePlacement.Auto,
    showUnfilled: true,
    sizing: BarGaugeSizing.Auto,
    minVizHeight: 16,
    maxVizHeight: 300,
    minVizWidth: 8,
    legend: { showLegend: false, displayMode: LegendDisplayMode.List, placement: 'bottom', calcs: [] },
  };
  return {
    id: nextId++,
    type: 'bargauge',
    title,
    description,
    gridPos,
    datasource: DATASOURCE,
    targets: [query('A', expr, legend, true)],
    fieldConfig: { defaults: { unit, thresholds: thresholds(steps) }, overrides: [] },
    options: barOptions as unknown as Record<string, unknown>,
  };
}

function row(title: string, y: number): RowPanel {
  return { id: nextId++, type: 'row', title, collapsed: false, gridPos: { x: 0, y, w: 24, h: 1 }, panels: [] };
}

const yesNo = (no: string, yes: string, yesColor: string): ValueMapping[] => [
  {
    type: MappingType.ValueToText,
    options: { '0': { text: no, color: 'green', index: 0 }, '1': { text: yes, color: yesColor, index: 1 } },
  },
];

const datasourceVariable: VariableModel = {
  name: 'datasource',
  label: 'Prometheus',
  type: 'datasource',
  query: 'prometheus',
  // Grafana's word for the default Prometheus data source.
  current: { text: 'default', value: 'default' },
  hide: 0,
  refresh: 1,
  options: [],
  skipUrlSync: false,
};

const clusterVariable: VariableModel = {
  name: 'cluster',
  label: 'Cluster',
  type: 'query',
  datasource: DATASOURCE,
  // Every controller and agent exports kreboot_build_info; with no `cluster` label there is no
  // value to choose and the queries match the one cluster's series (scopedToCluster).
  query: 'label_values(kreboot_build_info, cluster)',
  current: { text: '', value: '' },
  hide: 0,
  refresh: 2,
  options: [],
  skipUrlSync: false,
  sort: 1,
};

const panels: Array<Panel | RowPanel> = [
  row('Rollout', 0),
  stat(
    'Rollout halted',
    'A node did not come back; nothing starts until an operator runs `kreboot resume`.',
    { x: 0, y: 1, w: 4, h: 4 },
    'max(kreboot_rollout_halted)',
    {
      mappings: yesNo('no', 'HALTED', 'red'),
      steps: [
        [null, 'green'],
        [1, 'red'],
      ],
    },
  ),
  stat(
    'Rollout paused',
    '`kreboot pause`, or a foreign holder of the kured lock.',
    { x: 4, y: 1, w: 4, h: 4 },
    'max(kreboot_rollout_paused)',
    {
      mappings: yesNo('no', 'PAUSED', 'orange'),
      steps: [
        [null, 'green'],
        [1, 'orange'],
      ],
    },
  ),
  stat(
    'Nodes in flight',
    'Nodes kreboot has cordoned and not yet returned (kreboot_node_rebooting).',
    { x: 8, y: 1, w: 4, h: 4 },
    'sum(max by (node) (kreboot_node_rebooting))',
    {
      steps: [
        [null, 'green'],
        [1, 'blue'],
      ],
    },
  ),
  stat('Leaders', 'Controller replicas that lead: exactly 1 when healthy.', { x: 12, y: 1, w: 4, h: 4 }, 'sum(kreboot_leader)', {
    steps: [
      [null, 'red'],
      [1, 'green'],
      [2, 'red'],
    ],
  }),
  stat(
    'Reboot required',
    'Nodes whose agent reports the reboot sentinel set (kured_reboot_required).',
    { x: 16, y: 1, w: 4, h: 4 },
    'sum(max by (node) (kured_reboot_required))',
    {
      steps: [
        [null, 'green'],
        [1, 'orange'],
      ],
    },
  ),
  stat(
    'Failed reboots',
    'Reboots that failed in the selected range.',
    { x: 20, y: 1, w: 4, h: 4 },
    'sum(increase(kreboot_reboots_total{result="failed"}[$__range]))',
    {
      steps: [
        [null, 'green'],
        [0.5, 'red'],
      ],
    },
  ),
  timeseries(
    'Nodes by phase',
    'Every node kreboot tracks, by the phase of its last reboot.',
    { x: 0, y: 5, w: 8, h: 8 },
    [['max by (phase) (kreboot_nodes)', '{{phase}}']],
    { stacked: true },
  ),
  timeseries(
    'Nodes in flight',
    '1 while kreboot reboots the node: the series Alertmanager inhibits node alerts with (alertmanager/inhibit-during-reboot.yml).',
    { x: 8, y: 5, w: 8, h: 8 },
    [['max by (node) (kreboot_node_rebooting)', '{{node}}']],
    { stacked: true },
  ),
  timeseries(
    'Why nodes wait',
    'Nodes asking for a reboot that wait, by what holds them: a gate (maintenance-window, prometheus-alerts, blocking-pods, paused, halted…), concurrency, zone, or queued (kreboot_nodes_waiting).',
    { x: 16, y: 5, w: 8, h: 8 },
    [['max by (reason) (kreboot_nodes_waiting)', '{{reason}}']],
    { stacked: true },
  ),
  row('Durations', 13),
  bargauge(
    'Average reboot, cordon to done',
    'Whole reboots that finished in the selected range, by result.',
    { x: 0, y: 14, w: 8, h: 7 },
    'sum by (result) (increase(kreboot_reboot_duration_seconds_sum[$__range])) / sum by (result) (increase(kreboot_reboot_duration_seconds_count[$__range]) > 0)',
    '{{result}}',
    's',
  ),
  bargauge(
    'Average time per phase',
    'Time nodes spent in each phase, averaged over the selected range.',
    { x: 8, y: 14, w: 8, h: 7 },
    'sum by (phase) (increase(kreboot_phase_duration_seconds_sum[$__range])) / sum by (phase) (increase(kreboot_phase_duration_seconds_count[$__range]) > 0)',
    '{{phase}}',
    's',
  ),
  timeseries(
    'Decision cycle duration',
    'How long one decision cycle of the leader takes (gates, decisions, writes).',
    { x: 16, y: 14, w: 8, h: 7 },
    [
      ['histogram_quantile(0.5, sum by (le) (rate(kreboot_decision_cycle_duration_seconds_bucket[$__rate_interval])))', 'p50'],
      ['histogram_quantile(0.99, sum by (le) (rate(kreboot_decision_cycle_duration_seconds_bucket[$__rate_interval])))', 'p99'],
    ],
    { unit: 's' },
  ),
  row('Failures', 21),
  bargauge(
    'Reboots by result',
    'Reboots finished in the selected range.',
    { x: 0, y: 22, w: 8, h: 6 },
    'sum by (result) (increase(kreboot_reboots_total[$__range]))',
    '{{result}}',
    'none',
    [[null, 'green']],
  ),
  timeseries(
    'Reboot results over time',
    'Reboots finished per result (failures in red).',
    { x: 8, y: 22, w: 16, h: 6 },
    [['sum by (result) (increase(kreboot_reboots_total[$__rate_interval]))', '{{result}}']],
    { bars: true },
  ),
  row('Notifications', 28),
  bargauge(
    'Notifications by result',
    'Deliveries in the selected range by destination service and result (sent, retried, failed, dropped).',
    { x: 0, y: 29, w: 12, h: 7 },
    'sum by (service, result) (increase(kreboot_notifications_total[$__range]))',
    '{{service}} {{result}}',
    'none',
    [[null, 'green']],
  ),
  timeseries(
    'Notification queue',
    'Messages waiting per service: a queue that grows means a destination is failing.',
    { x: 12, y: 29, w: 12, h: 7 },
    [['max by (service) (kreboot_notification_queue_length)', '{{service}}']],
  ),
  row('Agents', 36),
  timeseries('Reboot required by node', 'kured_reboot_required, as each agent reports it.', { x: 0, y: 37, w: 8, h: 7 }, [
    ['max by (node) (kured_reboot_required)', '{{node}}'],
  ]),
  timeseries(
    "Age of the agents' last report",
    'Seconds since each agent last checked its sentinel: a growing line is an agent that stopped reporting.',
    { x: 8, y: 37, w: 8, h: 7 },
    [
      [
        // The agent's timestamp has no node label: it is taken from kured_reboot_required of the same target.
        'max by (node) ((time() - kreboot_agent_sentinel_last_check_timestamp_seconds) * on (job, instance) group_left (node) (0 * kured_reboot_required + 1))',
        '{{node}}',
      ],
    ],
    { unit: 's' },
  ),
  bargauge(
    'Agent reboot jobs',
    'Reboot jobs the agents ran in the selected range, by outcome.',
    { x: 16, y: 37, w: 8, h: 7 },
    'sum by (outcome) (increase(kreboot_agent_reboot_jobs_total[$__range]))',
    '{{outcome}}',
    'none',
    [[null, 'green']],
  ),
];

export const dashboard: Dashboard = {
  uid: 'kreboot',
  title: 'kreboot: node reboots',
  description: 'The kreboot rollout: state, nodes by phase, reboot durations, failures, notification health and agent reports.',
  tags: ['kreboot', 'kubernetes', 'reboots'],
  editable: true,
  graphTooltip: 1,
  schemaVersion: 42,
  fiscalYearStartMonth: 0,
  timezone: 'browser',
  time: { from: 'now-6h', to: 'now' },
  refresh: '30s',
  links: [],
  templating: { list: [datasourceVariable, clusterVariable] },
  annotations: { list: [] },
  panels,
};
