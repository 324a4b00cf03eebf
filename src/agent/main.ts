// `kreboot agent`: wires configuration, logging, metrics, the HTTP server (/metrics, /healthz,
// /readyz — nothing that can trigger a reboot), the sentinel loop (with its file watch), the node report, and the job
// runner fed by the watch on this agent's own Node. Only wiring.

import { collectDefaultMetrics, Registry } from 'prom-client';
import { EXIT_FAILURE, EXIT_USAGE, reportProblems } from '../process/exit.ts';
import { loadAgentConfig } from '../config/agent-config.ts';
import { usage } from '../config/parse-flags.ts';
import { createLogger } from '../log/logger.ts';
import { installShutdown } from '../process/shutdown.ts';
import { VERSION } from '../version.ts';
import { bootIdReader } from './host/boot-id.ts';
import { bootTimeReader } from './host/boot-time.ts';
import { startAgentServer } from './agent-server.ts';
import { createAgentMetrics } from './metrics.ts';
import { buildHostHooks, buildRebooter, buildSentinel, buildSentinelWatch } from './parts.ts';
import { lockHoldersReader } from './jobs/lock-slot.ts';
import { poolRebooter } from './reboot/pool-rebooter.ts';

export async function main(argv: string[]): Promise<number> {
  const loaded = loadAgentConfig(argv, process.env);
  if (loaded.help) {
    process.stdout.write(`${usage('agent', 'kreboot agent [flags]')}\n`);
    return 0;
  }
  const { config } = loaded;
  const sentinel = buildSentinel(config, loaded.reader.problems);
  const rebooter = buildRebooter(config, loaded.reader.problems);
  const hookCommands = buildHostHooks(config, loaded.reader.problems);
  if (!reportProblems('agent', { problems: loaded.reader.problems, notices: loaded.notices })) return EXIT_USAGE;
  const log = createLogger({ format: config.logFormat, level: config.logLevel, name: 'agent' }).child({ node: config.nodeId });

  // Loaded only once the configuration is known to be good, so `--help` and usage errors stay quick.
  const { loadRestConfig } = await import('../kube/rest-config.ts');
  const { createNodeClient } = await import('../kube/node-client.ts');
  const { NodeReporter } = await import('./node/node-reporter.ts');
  const { NodeWatch } = await import('./node/node-watch.ts');
  const { JobRunner } = await import('./jobs/job-runner.ts');
  const { HookRunner } = await import('./hooks/hook-runner.ts');
  const { SentinelLoop } = await import('./sentinel/sentinel-loop.ts');
  const { checkRequestWatcher } = await import('./node/check-request.ts');

  let client;
  try {
    client = createNodeClient(loadRestConfig(config.kubeconfig, process.env));
  } catch (error) {
    log.fatal({ err: error, kubeconfig: config.kubeconfig }, 'cannot load the Kubernetes configuration');
    return EXIT_FAILURE;
  }
  const registry = new Registry();
  // Event-loop lag sampled every second, not every 10 ms: an idle agent should not wake 100 times a second.
  collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
  const metrics = createAgentMetrics(registry, config.nodeId);
  const readBootId = bootIdReader(config.bootIdFile);
  const readBootTime = bootTimeReader(config.procStatFile);
  let bootTimeError: string | undefined; // logged when it starts or changes, not every period
  const nodeName = config.nodeId;

  const hooks = new HookRunner({
    client,
    nodeName,
    commands: hookCommands,
    nsenter: config.nsenter,
    log,
    onOutcome: (outcome) => metrics.hookOutcome(outcome),
  });
  const reporter = new NodeReporter({
    client,
    nodeName,
    version: VERSION,
    periodMs: config.periodMs,
    log,
    onError: () => metrics.apiError('report'),
    hostHooks: hooks.advertised(),
  });
  const jobs = new JobRunner({
    client,
    nodeName,
    readBootId,
    rebooter,
    rebooterFor: poolRebooter(config, rebooter, buildRebooter),
    delayMs: config.rebootDelayMs,
    log,
    onOutcome: (outcome) => metrics.jobOutcome(outcome),
    onError: () => metrics.apiError('job'),
    ...(config.lockSlot ? { readLockHolders: lockHoldersReader(client, config.lockSlot) } : {}),
  });
  const loop = new SentinelLoop({
    sentinel,
    periodMs: config.periodMs,
    log,
    watch: buildSentinelWatch(sentinel, log),
    onResult: async (result, at, requested) => {
      metrics.checked(result, at);
      const bootId = await readBootId().catch((error: unknown) => {
        log.error({ err: error, file: config.bootIdFile }, 'cannot read the boot ID');
        return undefined;
      });
      const bootTime = await readBootTime().then(
        (time) => {
          bootTimeError = undefined;
          return time;
        },
        (error: unknown) => {
          const message = (error as Error).message;
          if (message !== bootTimeError) log.error({ err: error, file: config.procStatFile }, 'cannot read the boot time');
          bootTimeError = message;
          return undefined;
        },
      );
      // kured's texts, which operators grep for: "Reboot required" / "Reboot not required".
      log.info(
        { required: result.required, sentinelError: result.error, requested },
        result.required ? 'Reboot required' : 'Reboot not required',
      );
      await reporter.report(result, at, bootId, requested, bootTime);
    },
  });
  const onCheckRequest = checkRequestWatcher((requestedAt) => {
    log.info({ requestedAt }, 'sentinel check requested');
    loop.requestCheck();
  });
  const watch = new NodeWatch({
    client,
    nodeName,
    log,
    onNode: (node) => {
      reporter.observe(node);
      onCheckRequest(node);
      jobs.notify(node);
      hooks.notify(node);
    },
    onError: () => metrics.apiError('watch'),
  });

  const http = await startAgentServer(registry, config.metricsHost, config.metricsPort);
  log.info(
    { version: VERSION, port: http.port, sentinel: config.rebootSentinelCommand || config.rebootSentinel, method: config.rebootMethod },
    'agent started',
  );
  await loop.start();
  watch.start();
  await installShutdown(log, [
    () => http.close(),
    () => loop.stop(),
    () => jobs.stop(),
    () => hooks.stop(),
    () => watch.stop(),
    () => reporter.stop(),
  ]);
  return 0;
}
