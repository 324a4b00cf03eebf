// `kreboot controller`: parse the configuration (every problem at once, exit 2), then wire the
// parts and run until SIGTERM. Only wiring. A controller that cannot serve HTTP (port taken, or the
// server fails later) stops with a message and exit code 1: it must not lead without its webhook
// and health endpoints.

import { collectDefaultMetrics, Registry } from 'prom-client';
import { EXIT_FAILURE, EXIT_USAGE, reportProblems } from '../process/exit.ts';
import { loadControllerConfig } from '../config/controller-config.ts';
import { usage } from '../config/parse-flags.ts';
import { buildGates } from '../gates/build-gates.ts';
import { loadTokenAuth } from '../auth/authenticator.ts';
import { loadWebhookAuth } from '../intake/webhook-auth.ts';
import { loadKubeConfig } from '../kube/client.ts';
import { createLogger } from '../log/logger.ts';
import { createNotifications } from '../notify/create-notifications.ts';
import { installShutdown } from '../process/shutdown.ts';
import { VERSION } from '../version.ts';
import { buildAlertmanagerClient } from '../alertmanager/build-alertmanager.ts';
import { StartRefused, startController } from './app.ts';

export async function main(argv: string[]): Promise<number> {
  const loaded = loadControllerConfig(argv, process.env);
  if (loaded.help) {
    process.stdout.write(`${usage('controller', 'kreboot controller [flags]')}\n`);
    return 0;
  }
  const { config } = loaded;
  const problems = [...loaded.problems];
  const log = createLogger({ format: config.logFormat, level: config.logLevel, name: 'controller' });
  // Credentials follow their files (a rotated Secret): say when they change, never what they are.
  const secretEvents = {
    reloaded: (file: string) => log.info({ file }, 'credentials file changed: reloaded'),
    failed: (file: string, problem: string) =>
      log.error({ file, problem }, 'credentials file changed but cannot be used: keeping the previous credentials'),
  };
  const webhook = loadWebhookAuth(config.webhook, secretEvents);
  const admin = loadTokenAuth(config.adminTokenFile, '--admin-token-file', secretEvents);
  // Notification URLs are not among the problems: one that cannot be used is a warning, never an exit.
  problems.push(...webhook.problems, ...admin.problems);

  const registry = new Registry();
  let kc;
  try {
    kc = loadKubeConfig(config.kubeconfig);
  } catch (error) {
    problems.push(`--kubeconfig: cannot load the Kubernetes client configuration (${(error as Error).message})`);
  }
  const gates = kc ? buildGates(config, { kc, log, registry }) : { gates: [], problems: [] };
  problems.push(...gates.problems);
  const alertmanager = buildAlertmanagerClient(config.alertmanager);
  problems.push(...alertmanager.problems);
  if (!reportProblems('controller', { problems, notices: loaded.notices })) return EXIT_USAGE;

  collectDefaultMetrics({ register: registry });
  const notifications = createNotifications({ config: config.notify, log, registry });
  let controller;
  try {
    controller = await startController({
      config,
      kc: kc!,
      log,
      registry,
      gates: gates.gates,
      poolGates: (pool) => (pool.ownWindow && 'withWindow' in gates ? gates.withWindow(pool.window) : undefined),
      notify: notifications.notify,
      notificationStatus: () => notifications.status(),
      webhookAuth: webhook.auth,
      adminAuth: admin.auth,
      ...(alertmanager.client ? { alertmanager: alertmanager.client } : {}),
    });
  } catch (error) {
    if (error instanceof StartRefused) {
      log.fatal({ problems: error.problems }, 'controller refuses to start');
      reportProblems('controller', { problems: [...error.problems], notices: [] });
      await notifications.close(1000);
      return EXIT_USAGE;
    }
    // listen's message names the address: "listen EADDRINUSE: address already in use 0.0.0.0:8080".
    log.fatal({ err: error }, 'controller cannot start');
    process.stderr.write(`kreboot controller: cannot start: ${(error as Error).message}\n`);
    await notifications.close(1000);
    return EXIT_FAILURE;
  }
  const running = controller;
  log.info({ version: VERSION }, 'controller started');
  const failure = Promise.race([running.http.failed, ...(running.probes ? [running.probes.failed] : [])]).then((error) => {
    log.fatal({ err: error }, 'HTTP server failed: stopping');
    process.stderr.write(`kreboot controller: the HTTP server failed, stopping: ${error.message}\n`);
    return error;
  });
  const reason = await installShutdown(log, [() => notifications.close(5000), () => running.stop()], failure);
  return reason === 'failure' ? EXIT_FAILURE : 0;
}
