// The whole pipeline on real components, composed once for the tests and the demo: KWOK nodes with
// workloads, a simulated host and real agent per node, real Prometheus and Alertmanager loading the
// alertmanager/ files, the real controller, and a Slack-compatible chat sink (Mattermost's incoming
// webhook format, which is Slack's: kured's --slack-hook-url accepts only hooks.slack.com, so the
// controller gets `--notify-url mattermost://…?disabletls=yes`, a real user option).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from '../cluster.ts';
import { startMonitoring, type Monitoring } from '../monitoring.ts';
import { agentKubeconfig } from '../agent/agent-rbac.ts';
import { ROUTES, serviceUrls, startServiceSink, textsBy, type ServiceSink } from '../notify/service-sink.ts';
import { AGENT, CONTROLLER } from '../../../src/store/keys.ts';
import { alertmanagerForE2e, rulesForE2e, type ExtraRule } from './alerting-files.ts';
import { createController, type ControllerProcess } from '../controller/controller-process.ts';
import { createHost, type HostEvent, type SimulatedHost } from './simulated-host.ts';
import { watchProgress, type ProgressWatch, type Transition } from './rollout-progress.ts';
import { createWorkloads, LOCK_DS, watchBudgets, type BudgetWatch } from './scenario-workloads.ts';

export interface ScenarioOptions {
  readonly nodes?: number;
  /** Zone labels (topology.kubernetes.io/zone) dealt to the nodes in turn. */
  readonly zones?: readonly string[];
  /** Controller flags added to the scenario's own. */
  readonly controllerArgs?: readonly string[];
  readonly extraRules?: readonly ExtraRule[];
  /** Alert names that reboot their node (--remediation-alert-regexp), routed to the controller too. */
  readonly remediationAlerts?: readonly string[];
  /** How long a simulated reboot keeps a node down. */
  readonly downMs?: number;
  /** How long before the start each node's host booted (default one hour), for --max-node-age. */
  readonly bootedAgoMs?: (node: string) => number | undefined;
  readonly onTransition?: (t: Transition) => void;
  readonly onHostEvent?: (e: HostEvent) => void;
  /** Prometheus scrapes the controller too (job kreboot-controller), for dashboard queries. */
  readonly scrapeController?: boolean;
  /** Called before each step of the set-up (the demo prints it). */
  readonly onStep?: (step: string) => void;
  /**
   * The alerting path's timers: 'rig' (default) shortens them to about a second; 'shipped' keeps the
   * files' `for` and group_wait and scrapes and evaluates every minute with Prometheus's own resend
   * delay (bench/shipped-defaults.ts).
   */
  readonly alerting?: 'rig' | 'shipped';
  /** Agent flags added to the host's own (a --period replaces the rig's 1 s). */
  readonly agentArgs?: readonly string[];
  /** The controller's kubeconfig (default: the admin one), e.g. a ServiceAccount's for an audit log. */
  readonly controllerKubeconfig?: string;
}

export interface Scenario {
  readonly namespace: string;
  readonly nodes: readonly string[];
  readonly hosts: ReadonlyMap<string, SimulatedHost>;
  readonly controller: ControllerProcess;
  readonly monitoring: Monitoring;
  readonly chat: ServiceSink;
  readonly progress: ProgressWatch;
  readonly budgets: BudgetWatch;
  readonly hostEvents: readonly HostEvent[];
  /** Texts the chat sink received, in order. */
  messages(): string[];
  host(node: string): SimulatedHost;
  /** Waits until each node is done, schedulable, and reports a boot ID its host had not booted with first. */
  waitRebooted(nodes: readonly string[], timeoutMs?: number): Promise<void>;
  state(node: string): Promise<{ phase?: string; reason?: string } | undefined>;
  report(): Promise<string>;
  stop(): Promise<void>;
}

/** The scenario's defaults, minus those the test sets itself (a flag given twice is an error). */
function withOverrides(defaults: readonly string[], args: readonly string[]): string[] {
  const name = (arg: string) => arg.split('=')[0];
  const given = new Set(args.map(name));
  return [...defaults.filter((arg) => !given.has(name(arg))), ...args];
}

export async function startScenario(cluster: Cluster, options: ScenarioOptions = {}): Promise<Scenario> {
  const step = options.onStep ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), 'kreboot-e2e-'));
  const cleanups: Array<() => Promise<void> | void> = [];
  const hostEvents: HostEvent[] = [];
  try {
    step('namespace, nodes and workloads');
    const namespace = await cluster.newNamespace('e2e');
    const nodeLabel = { 'kreboot.dev/e2e': namespace };
    const nodes = await cluster.createNodes(options.nodes ?? 5, {
      prefix: 'node',
      labels: nodeLabel,
      zones: options.zones ?? ['zone-a', 'zone-b'],
    });
    await createWorkloads(cluster, namespace, nodeLabel, nodes[0]!);

    step(`one agent per node (${nodes.length} kreboot agent processes)`);
    const kubeconfig = await agentKubeconfig(cluster);
    const hosts = new Map<string, SimulatedHost>();
    for (const node of nodes) {
      const host = await createHost({
        node,
        root: join(dir, 'hosts'),
        kubeconfig,
        core: cluster.core,
        ...(options.downMs ? { downMs: options.downMs } : {}),
        ...(options.agentArgs ? { args: options.agentArgs } : {}),
        bootedAgoMs: options.bootedAgoMs?.(node),
        onEvent: (e) => {
          hostEvents.push(e);
          options.onHostEvent?.(e);
        },
      });
      hosts.set(node, host);
      cleanups.push(() => host.stop());
      await host.start();
    }

    step('chat sink, Prometheus and Alertmanager');
    const chat = await startServiceSink();
    cleanups.push(() => chat.sink.close());
    let prometheusUrl = '';
    // As the image runs it (the bundle and the ENTRYPOINT's node flags), Alertmanager's token.
    const controller = await createController({
      dir,
      kubeconfigPath: options.controllerKubeconfig ?? cluster.kubeconfigPath,
      name: 'e2e-controller',
      shipped: true,
      webhookAuth: 'token',
      logLevel: 'info',
      args: () => [
        `--ds-namespace=${namespace}`,
        `--ds-name=${LOCK_DS}`,
        `--node-selector=kreboot.dev/e2e=${namespace}`,
        `--prometheus-url=${prometheusUrl}`,
        `--notify-url=${serviceUrls(chat.sink).mattermost}`,
        ...(options.remediationAlerts?.length ? [`--remediation-alert-regexp=^(${options.remediationAlerts.join('|')})$`] : []),
        ...withOverrides(['--drain-grace-period=0', '--gate-recheck-period=2s', '--reboot-timeout=60s'], options.controllerArgs ?? []),
      ],
    });
    cleanups.push(() => controller.stop());
    const shipped = options.alerting === 'shipped';
    const monitoring = await startMonitoring({
      scrapeTargets: [...hosts.values()].map((h) => h.metricsTarget),
      ...(options.scrapeController
        ? { extraScrapeConfigs: [{ job_name: 'kreboot-controller', static_configs: [{ targets: [new URL(controller.url).host] }] }] }
        : {}),
      rules: rulesForE2e(options.extraRules, shipped),
      alertmanagerConfig: alertmanagerForE2e(controller.url, controller.webhookTokenFile, shipped, options.remediationAlerts),
      // The ServiceMonitors' 60s, and Prometheus's own evaluation interval and resend delay.
      ...(shipped ? { scrapeInterval: '60s', evaluationInterval: '1m', resendDelay: '1m' } : {}),
    });
    cleanups.push(() => monitoring.stop());
    prometheusUrl = monitoring.prometheusUrl;

    step('the kreboot controller');
    await controller.start();
    // A target's first scrape comes up to one scrape interval after Prometheus discovered it.
    await monitoring.waitForTarget({ timeoutMs: shipped ? 150_000 : 60_000 });
    // Every agent has reported its first boot ID: the baseline the reboot is judged against.
    await cluster.waitFor(
      async () => {
        for (const node of nodes) {
          const annotations = (await cluster.core.readNode({ name: node })).metadata?.annotations ?? {};
          if (annotations[AGENT.bootId] !== hosts.get(node)!.bootIds[0]) return false;
        }
        return true;
      },
      { timeoutMs: 60_000, what: "every agent's first report" },
    );
    const progress = watchProgress(() => controller.status(), options.onTransition);
    cleanups.push(() => progress.stop());
    const budgets = watchBudgets(cluster, namespace);
    cleanups.push(() => budgets.stop());

    const readState = async (node: string) => {
      const text = (await cluster.core.readNode({ name: node })).metadata?.annotations?.[CONTROLLER.state];
      return text ? (JSON.parse(text) as { phase?: string; reason?: string }) : undefined;
    };
    return {
      namespace,
      nodes,
      hosts,
      controller,
      monitoring,
      chat,
      progress,
      budgets,
      hostEvents,
      messages: () => textsBy(chat.sink, ROUTES.mattermost),
      host: (node) => hosts.get(node)!,
      state: readState,
      async waitRebooted(which, timeoutMs = 120_000) {
        await cluster.waitFor(
          async () => {
            for (const node of which) {
              const seen = await cluster.core.readNode({ name: node });
              const state = JSON.parse(seen.metadata?.annotations?.[CONTROLLER.state] ?? '{}') as { phase?: string };
              const bootId = seen.metadata?.annotations?.[AGENT.bootId];
              if (state.phase !== 'done' || seen.spec?.unschedulable === true || bootId === hosts.get(node)!.bootIds[0]) return false;
            }
            return true;
          },
          { timeoutMs, intervalMs: 250, what: `${which.join(', ')} rebooted, back and schedulable` },
        );
      },
      async report() {
        const records = await Promise.all(
          nodes.map(async (node) => {
            const seen = await cluster.core.readNode({ name: node });
            const ours = Object.fromEntries(Object.entries(seen.metadata?.annotations ?? {}).filter(([k]) => k.startsWith('kreboot.dev/')));
            return `${node} unschedulable=${seen.spec?.unschedulable === true} ${JSON.stringify(ours)}`;
          }),
        );
        const pods = await cluster.core.listNamespacedPod({ namespace });
        const podLines = pods.items.map(
          (p) =>
            `${p.metadata?.name} on ${p.spec?.nodeName ?? '-'} ${p.status?.phase} ${(p.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(',')}${p.metadata?.deletionTimestamp ? ' deleting' : ''}`,
        );
        const pdbs = await cluster.policy.listNamespacedPodDisruptionBudget({ namespace });
        const pdbLines = pdbs.items.map(
          (p) =>
            `${p.metadata?.name}: healthy ${p.status?.currentHealthy}/${p.status?.expectedPods}, desired ${p.status?.desiredHealthy}, allowed ${p.status?.disruptionsAllowed}, disrupted ${JSON.stringify(p.status?.disruptedPods ?? {})}`,
        );
        return [
          `pods:\n${podLines.join('\n')}\n\nbudgets:\n${pdbLines.join('\n')}`,
          `transitions:\n${progress.transitions.map((t) => `${t.at.toISOString()} ${t.node} ${t.phase} ${t.reason}`).join('\n')}`,
          `host events:\n${hostEvents.map((e) => `${e.at.toISOString()} ${e.node} ${e.what}`).join('\n')}`,
          `chat:\n${textsBy(chat.sink, ROUTES.mattermost).join('\n')}\nrejections: ${chat.rejections.join('; ')}`,
          `nodes:\n${records.join('\n')}`,
          `--- controller\n${controller.logTail(80)}`,
          `--- monitoring\n${monitoring.logs()}`,
          await cluster.dumpLogs({ print: false, lines: 20 }),
        ].join('\n\n');
      },
      async stop() {
        for (const cleanup of cleanups.reverse()) await cleanup();
        if (!process.env.KREBOOT_KEEP_TMP) rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    for (const cleanup of cleanups.reverse()) await Promise.resolve(cleanup()).catch(() => undefined);
    throw error;
  }
}
