// A node as a failing test needs to see it: annotations (where kreboot keeps its records),
// schedulability, taints, conditions, and the Events recorded about it.

import type { CoreV1Api } from '@kubernetes/client-node';

export async function describeNode(core: CoreV1Api, name: string): Promise<string> {
  try {
    const node = await core.readNode({ name });
    const events = await core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: `involvedObject.kind=Node,involvedObject.name=${name}`,
    });
    const lines = [
      `--- node ${name} ---`,
      `unschedulable: ${node.spec?.unschedulable ?? false}`,
      `taints: ${JSON.stringify(node.spec?.taints ?? [])}`,
      `conditions: ${(node.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).join(' ')}`,
      'annotations:',
      ...Object.entries(node.metadata?.annotations ?? {}).map(([key, value]) => `  ${key}: ${value}`),
      'events:',
      ...events.items.map((e) => `  ${e.lastTimestamp?.toISOString() ?? e.eventTime ?? ''} ${e.type} ${e.reason}: ${e.message}`),
    ];
    return lines.join('\n');
  } catch (error) {
    return `--- node ${name}: ${(error as Error).message} ---`;
  }
}
