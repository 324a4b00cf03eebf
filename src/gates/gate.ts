// The gate contract: each gate looks at the world once per decision cycle and then answers for
// each candidate node. An error while looking means "blocked", with the error as the reason
// (a safety invariant, docs/design.md: never "go" on missing information).

export type Verdict =
  | { readonly open: true }
  | {
      readonly open: false;
      readonly gate: string;
      readonly reason: string;
      /** When waiting is all it takes (a closed window): the moment to look again. */
      readonly retryAt?: Date;
      /**
       * What holds the node, by name (the firing alerts, the blocking pods), at most ten and then
       * "…": kept on the waiting node's record so the status lists them without reading `reason`.
       */
      readonly holding?: readonly string[];
      /**
       * The gate gave up waiting and asks for the rollout to be halted (the workload gate's
       * --workload-gate-timeout-action=halt): the decision cycle keeps it on the lock DaemonSet
       * until a resume. Only the cycle writes it: a dry-run plan that asks the gates changes nothing.
       */
      readonly halt?: { readonly node: string; readonly reason: string };
    };

export interface GateInput {
  readonly now: Date;
  /** Nodes that want to start a reboot in this cycle. */
  readonly nodes: readonly string[];
  /**
   * Every node the cluster has, when the caller knows them. The alert gate then treats an alert
   * naming an unknown node (a Prometheus target's host, say) as cluster-wide: the safe side.
   */
  readonly knownNodes?: ReadonlySet<string>;
}

export interface Gate {
  readonly name: string;
  /** One evaluation per cycle (one Prometheus query, one pod list), then a verdict per node. */
  evaluate(input: GateInput): Promise<(node: string) => Verdict>;
}

export const OPEN: Verdict = Object.freeze({ open: true });

export function blocked(gate: string, reason: string, retryAt?: Date, holding?: readonly string[]): Verdict {
  return { open: false, gate, reason, ...(retryAt ? { retryAt } : {}), ...(holding ? { holding } : {}) };
}

/** Names as a verdict lists them: at most ten, then "…". */
export function firstTen(names: readonly string[]): readonly string[] {
  return names.length > 10 ? [...names.slice(0, 10), '…'] : names;
}
