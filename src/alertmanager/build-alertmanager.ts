// Builds the Alertmanager client from the controller's configuration (when --alertmanager-url is
// set); the decision core (controller/decision-core.ts) makes the node silencer from it when there
// are --silence-matchers too.
// Problems (unreadable credential or CA files) are returned for main to report with all others.

import type { ControllerConfig } from '../config/controller-config.ts';
import { createAlertmanagerClient, type AlertmanagerClient } from './alertmanager-client.ts';

export function buildAlertmanagerClient(config: ControllerConfig['alertmanager']): {
  client: AlertmanagerClient | undefined;
  problems: string[];
} {
  if (!config.url) return { client: undefined, problems: [] };
  return createAlertmanagerClient({ ...config, url: config.url });
}
