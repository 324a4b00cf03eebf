// Builds the Alertmanager pieces from the controller's configuration: the client (when
// --alertmanager-url is set) and the node silencer (when there are --silence-matchers too).
// Problems (unreadable credential or CA files) are returned for main to report with all others.

import type { Logger } from 'pino';
import type { ControllerConfig } from '../config/controller-config.ts';
import { createAlertmanagerClient, type AlertmanagerClient } from './alertmanager-client.ts';
import { createNodeSilencer, type NodeSilencer } from './node-silencer.ts';

export function buildAlertmanagerClient(config: ControllerConfig['alertmanager']): {
  client: AlertmanagerClient | undefined;
  problems: string[];
} {
  if (!config.url) return { client: undefined, problems: [] };
  return createAlertmanagerClient({ ...config, url: config.url });
}

/** undefined when quiet maintenance is off (no --alertmanager-url, or --silence-matchers emptied). */
export function buildNodeSilencer(
  config: ControllerConfig['alertmanager'],
  log: Logger,
): { silencer: NodeSilencer | undefined; problems: string[] } {
  const { client, problems } = buildAlertmanagerClient(config);
  if (!client || config.silenceMatchers.length === 0) return { silencer: undefined, problems };
  return { silencer: createNodeSilencer({ client, sets: config.silenceMatchers, log: log.child({ component: 'silencer' }) }), problems };
}
