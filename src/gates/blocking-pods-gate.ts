// --blocking-pod-selector: a node does not start a reboot while a Pending or Running pod matching
// any selector is on it (kured's semantics: commas AND within a selector, repeats OR). Unlike
// kured, which lists pods per node, this lists each selector's pods once per cycle across the
// cluster and groups them by node: one API call per selector, however many nodes wait.
// Each page has a total deadline (call-deadline.ts): the gate runs inside the decision cycle, and a
// hung API server must block with a reason, not hold the cycle (issue 26).

import type { CoreV1Api, V1Pod } from '@kubernetes/client-node';
import { isDeadlineError, KUBE_CALL_DEADLINE_MS, withDeadline } from '../kube/call-deadline.ts';
import { blocked, firstTen, OPEN, type Gate, type Verdict } from './gate.ts';

export const BLOCKING_PODS_GATE = 'blocking-pods';

// kured's field selector; the phase check below also drops any pod the server did not filter.
const FIELDS = 'status.phase!=Succeeded,status.phase!=Failed,status.phase!=Unknown';
const PAGE = 500;

type PodLister = Pick<CoreV1Api, 'listPodForAllNamespaces'>;

async function listBlocking(api: PodLister, labelSelector: string, deadlineMs: number): Promise<V1Pod[]> {
  const pods: V1Pod[] = [];
  let cont: string | undefined;
  do {
    let page;
    try {
      page = await api.listPodForAllNamespaces(
        { labelSelector, fieldSelector: FIELDS, limit: PAGE, ...(cont ? { _continue: cont } : {}) },
        withDeadline(deadlineMs),
      );
    } catch (error) {
      if (isDeadlineError(error)) throw new Error(`no complete answer within the ${deadlineMs} ms deadline`, { cause: error });
      throw error;
    }
    pods.push(...page.items);
    cont = page.metadata?._continue || undefined;
  } while (cont);
  return pods.filter((p) => p.spec?.nodeName && (p.status?.phase === 'Pending' || p.status?.phase === 'Running'));
}

export function blockingPodsGate({
  api,
  selectors,
  callTimeoutMs = KUBE_CALL_DEADLINE_MS,
}: {
  api: PodLister;
  selectors: readonly string[];
  /** Deadline of each list call (default KUBE_CALL_DEADLINE_MS). */
  callTimeoutMs?: number;
}): Gate {
  return {
    name: BLOCKING_PODS_GATE,
    async evaluate() {
      const byNode = new Map<string, string[]>();
      try {
        const lists = await Promise.all(selectors.map((s) => listBlocking(api, s, callTimeoutMs)));
        lists.forEach((pods, i) => {
          for (const pod of pods) {
            const names = byNode.get(pod.spec!.nodeName!) ?? [];
            names.push(`${pod.metadata?.namespace}/${pod.metadata?.name} (${selectors[i]})`);
            byNode.set(pod.spec!.nodeName!, names);
          }
        });
      } catch (error) {
        const body = (error as { body?: unknown }).body;
        const detail = typeof body === 'string' && body.length < 300 ? `${(error as Error).message}: ${body}` : (error as Error).message;
        const verdict = blocked(BLOCKING_PODS_GATE, `cannot list blocking pods: ${detail}`);
        return () => verdict;
      }
      const cache = new Map<string, Verdict>();
      return (node) => {
        const names = byNode.get(node);
        if (!names) return OPEN;
        let verdict = cache.get(node);
        if (!verdict) {
          const shown = firstTen(names);
          verdict = blocked(
            BLOCKING_PODS_GATE,
            `${names.length} blocking pod${names.length === 1 ? '' : 's'}: ${shown.join(', ')}`,
            undefined,
            shown,
          );
          cache.set(node, verdict);
        }
        return verdict;
      };
    },
  };
}
