// `kreboot agent`: wires configuration, logging, metrics and the HTTP server. Only wiring.

import { collectDefaultMetrics, Registry } from 'prom-client';
import { reportProblems, EXIT_USAGE } from '../cli/exit.ts';
import { loadAgentConfig } from '../config/agent-config.ts';
import { usage } from '../config/parse-flags.ts';
import { createBaseApp, listen } from '../http/base-server.ts';
import { createLogger } from '../log/logger.ts';
import { installShutdown } from '../process/shutdown.ts';
import { VERSION } from '../version.ts';

export async function main(argv: string[]): Promise<number> {
  const loaded = loadAgentConfig(argv, process.env);
  if (loaded.help) {
    process.stdout.write(`${usage('agent', 'kreboot agent [flags]')}\n`);
    return 0;
  }
  if (!reportProblems('agent', loaded)) return EXIT_USAGE;
  const { config } = loaded;
  const log = createLogger({ format: config.logFormat, level: config.logLevel, name: 'agent' }).child({ node: config.nodeId });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });

  const app = createBaseApp({ registry });
  const http = await listen(app, config.metricsHost, config.metricsPort);
  log.info({ version: VERSION, port: http.port }, 'agent started');
  await installShutdown(log, [() => http.close()]);
  return 0;
}
