// `kreboot controller`: parse the configuration (every problem at once, exit 2), then wire the
// parts and run until SIGTERM. Only wiring.

import { collectDefaultMetrics, Registry } from 'prom-client';
import { reportProblems, EXIT_USAGE } from '../cli/exit.ts';
import { loadControllerConfig } from '../config/controller-config.ts';
import { usage } from '../config/parse-flags.ts';
import { buildGates } from '../gates/build-gates.ts';
import { loadTokenAuth, loadWebhookAuth } from '../intake/webhook-auth.ts';
import { loadKubeConfig } from '../kube/client.ts';
import { createLogger } from '../log/logger.ts';
import { createNotifications, notifyConfigProblems } from '../notify/create-notifications.ts';
import { installShutdown } from '../process/shutdown.ts';
import { VERSION } from '../version.ts';
import { buildNodeSilencer } from '../alertmanager/build-alertmanager.ts';
import { startController } from './app.ts';

export async function main(argv: string[]): Promise<number> {
  const loaded = loadControllerConfig(argv, process.env);
  if (loaded.help) {
    process.stdout.write(`${usage('controller', 'kreboot controller [flags]')}\n`);
    return 0;
  }
  const { config } = loaded;
  const problems = [...loaded.problems];
  const webhook = loadWebhookAuth(config.webhook);
  const admin = loadTokenAuth(config.adminTokenFile, '--admin-token-file');
  problems.push(...webhook.problems, ...admin.problems, ...notifyConfigProblems(config.notify));

  const log = createLogger({ format: config.logFormat, level: config.logLevel, name: 'controller' });
  const registry = new Registry();
  let kc;
  try {
    kc = loadKubeConfig(config.kubeconfig);
  } catch (error) {
    problems.push(`--kubeconfig: cannot load the Kubernetes client configuration (${(error as Error).message})`);
  }
  const gates = kc ? buildGates(config, { kc, log, registry }) : { gates: [], problems: [] };
  problems.push(...gates.problems);
  const quiet = buildNodeSilencer(config.alertmanager, log);
  problems.push(...quiet.problems);
  if (!reportProblems('controller', { problems, notices: loaded.notices })) return EXIT_USAGE;

  collectDefaultMetrics({ register: registry });
  const notifications = createNotifications({ config: config.notify, log, registry });
  const controller = await startController({
    config,
    kc: kc!,
    log,
    registry,
    gates: gates.gates,
    notify: notifications.notify,
    notificationStatus: () => notifications.status(),
    webhookAuth: webhook.auth,
    adminAuth: admin.auth,
    ...(quiet.silencer ? { silencer: quiet.silencer } : {}),
  });
  log.info({ version: VERSION }, 'controller started');
  await installShutdown(log, [() => notifications.close(5000), () => controller.stop()]);
  return 0;
}
