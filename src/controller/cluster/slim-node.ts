// The controller keeps every Node of the cluster in memory, so it keeps only what a decision, the
// status or a write needs: name, uid, resourceVersion, creation time, labels, kreboot's and kured's annotations,
// schedulability, taints and the Ready condition. A real Node also carries its images, addresses,
// capacity, every condition with messages and the kubelet's own annotations: several kilobytes per
// node, most of the controller's memory at a few thousand nodes (issue 14 measured 385 MB idle at
// 5,000 nodes with whole objects cached). What is dropped here is never read by the controller.

import type { V1Node, V1NodeList } from '@kubernetes/client-node';
import { KURED_PREFIX, PREFIX } from '../../store/keys.ts';

/** Annotation prefixes the controller reads on Nodes: its own and kured's (--annotate-nodes). */
export const NODE_ANNOTATION_PREFIXES = [PREFIX, KURED_PREFIX] as const;

const keptAnnotation = (key: string) => NODE_ANNOTATION_PREFIXES.some((prefix) => key.startsWith(prefix));

export function slimNode(node: V1Node): V1Node {
  const metadata = node.metadata ?? {};
  const annotations: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.annotations ?? {})) if (keptAnnotation(key)) annotations[key] = value;
  const ready = node.status?.conditions?.find((condition) => condition.type === 'Ready');
  return {
    metadata: {
      ...(metadata.name !== undefined ? { name: metadata.name } : {}),
      ...(metadata.uid !== undefined ? { uid: metadata.uid } : {}),
      ...(metadata.resourceVersion !== undefined ? { resourceVersion: metadata.resourceVersion } : {}),
      // When it registered: a Node registered after a stuck node was handed to remediation is its replacement.
      ...(metadata.creationTimestamp !== undefined ? { creationTimestamp: metadata.creationTimestamp } : {}),
      ...(metadata.labels ? { labels: metadata.labels } : {}),
      annotations,
    },
    spec: {
      ...(node.spec?.unschedulable !== undefined ? { unschedulable: node.spec.unschedulable } : {}),
      ...(node.spec?.taints
        ? { taints: node.spec.taints.map(({ key, value, effect }) => ({ key, effect, ...(value !== undefined ? { value } : {}) })) }
        : {}),
    },
    status: { conditions: ready ? [{ type: 'Ready', status: ready.status }] : [] },
  };
}

/** Nodes are listed a page at a time, so a large cluster never arrives as one huge response. */
const NODE_LIST_PAGE = 500;

/**
 * Lists every Node (matching the selector) page by page, keeping slim copies. All pages belong to
 * the snapshot of the first (continue tokens keep it), so its resourceVersion starts the watch.
 */
export async function listSlimNodes(list: (page: { limit: number; _continue?: string }) => Promise<V1NodeList>): Promise<V1NodeList> {
  const items: V1Node[] = [];
  let first: V1NodeList | undefined;
  let next: string | undefined;
  do {
    const page = await list({ limit: NODE_LIST_PAGE, ...(next ? { _continue: next } : {}) });
    first ??= page;
    for (const node of page.items) items.push(slimNode(node));
    next = page.metadata?._continue || undefined;
  } while (next);
  return { apiVersion: 'v1', kind: 'NodeList', metadata: { resourceVersion: first.metadata?.resourceVersion }, items };
}
