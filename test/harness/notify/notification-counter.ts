// Reads kreboot_notifications_total for one service and result from a metrics registry, for the
// notify tests that prove a message was (or was not) delivered.

import type { Registry } from 'prom-client';

export async function counted(registry: Registry, service: string, result: string): Promise<number> {
  const text = await registry.getSingleMetricAsString('kreboot_notifications_total');
  const line = text.split('\n').find((l) => l.includes(`service="${service}"`) && l.includes(`result="${result}"`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}
