// Builds the controller's gates from its configuration, reporting every problem at once (bad
// window specs, selectors, matchers, unreadable credential files). Order is the order verdicts are
// reported in: maintenance window, blocking pods, Prometheus alerts, Prometheus gate query. The
// lead adds pause/halt. Each gate is wrapped with its metrics (gate-metrics.ts). With
// --alert-ignore-silenced the alert gate also asks Alertmanager which alerts it suppresses.

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { buildAlertmanagerClient } from '../alertmanager/build-alertmanager.ts';
import { loadSuppressionCheck } from '../alertmanager/suppressed-alerts.ts';
import type { ControllerConfig } from '../config/controller-config.ts';
import { createPrometheusClient } from '../prometheus/prometheus-client.ts';
import { blockingPodsGate } from './blocking-pods-gate.ts';
import { buildWindows, type WindowConfig } from './build-windows.ts';
import type { Gate } from './gate.ts';
import { createGateMetrics, measureGate } from './gate-metrics.ts';
import { parseLabelMatchers } from './label-matchers.ts';
import { checkLabelSelector } from '../kube/label-selector.ts';
import { maintenanceWindowGate } from './maintenance-window-gate.ts';
import { prometheusAlertsGate } from './prometheus-alerts-gate.ts';
import { prometheusQueryGate } from './prometheus-query-gate.ts';

/** The part of the controller's configuration the gates read. */
export type GatesConfig = Pick<
  ControllerConfig,
  'prometheus' | 'window' | 'blockingPodSelectors' | 'alertNodeLabels' | 'rebootAlert' | 'remediationAlert'
> &
  Partial<Pick<ControllerConfig, 'alertmanager'>>;

export interface GateDeps {
  readonly kc: KubeConfig;
  readonly log: Logger;
  readonly registry: Registry;
}

export interface BuiltGates {
  readonly gates: Gate[];
  readonly problems: string[];
  /**
   * The gates with another maintenance window in place of the flags' one (a pool's own window,
   * docs/pools.md), measured like the others; the window was checked when the pools were read.
   */
  withWindow(window: WindowConfig): Gate[];
}

export function buildGates(config: GatesConfig, deps: GateDeps): BuiltGates {
  const problems: string[] = [];
  const gates: Gate[] = [];
  const log = deps.log.child({ component: 'gates' });

  const windows = buildWindows(config.window);
  problems.push(...windows.problems);
  gates.push(maintenanceWindowGate(windows.windows));

  const selectors = config.blockingPodSelectors;
  for (const selector of selectors) {
    const problem = checkLabelSelector(selector);
    if (problem) problems.push(`--blocking-pod-selector: "${selector}": ${problem}`);
  }
  if (selectors.length > 0) gates.push(blockingPodsGate({ api: deps.kc.makeApiClient(CoreV1Api), selectors }));

  const { matchers, problems: matcherProblems } = parseLabelMatchers(config.prometheus.alertFilterLabels, '--alert-filter-labels');
  problems.push(...matcherProblems);
  const url = config.prometheus.url;
  if (url) {
    const { client, problems: clientProblems } = createPrometheusClient({ ...config.prometheus, url });
    problems.push(...clientProblems);
    const requestAlerts = [config.rebootAlert, config.remediationAlert].filter((re): re is RegExp => re !== undefined);
    const rules = {
      filter: config.prometheus.alertFilter,
      matchOnly: config.prometheus.alertFilterMatchOnly,
      firingOnly: config.prometheus.alertFiringOnly,
      matchers,
      requestAlerts,
    };
    let suppressed;
    if (config.prometheus.alertIgnoreSilenced) {
      const am = config.alertmanager ? buildAlertmanagerClient(config.alertmanager) : { client: undefined, problems: [] };
      problems.push(...am.problems);
      const amClient = am.client;
      if (amClient) suppressed = () => loadSuppressionCheck(amClient);
      // The configuration loader reports a missing --alertmanager-url; this covers a partial config.
      else if (!config.alertmanager) problems.push('--alert-ignore-silenced: needs --alertmanager-url');
    }
    gates.push(
      prometheusAlertsGate({ client, rules, scope: config.prometheus.alertScope, nodeLabels: config.alertNodeLabels, log, suppressed }),
    );
    if (config.prometheus.gateQuery.trim() !== '') gates.push(prometheusQueryGate({ client, query: config.prometheus.gateQuery }));
  } else if (config.prometheus.gateQuery.trim() !== '') {
    problems.push('--prometheus-gate-query: needs --prometheus-url');
  }

  const metrics = createGateMetrics(deps.registry);
  const measured = gates.map((gate) => measureGate(gate, metrics));
  return {
    gates: measured,
    problems,
    withWindow: (window) => [measureGate(maintenanceWindowGate(buildWindows(window).windows), metrics), ...measured.slice(1)],
  };
}
