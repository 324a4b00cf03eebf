// How gates are asked, the one implementation: a gate that fails (throws) blocks with its error
// (never "go" on missing information), and all gates of a decision cycle are evaluated once,
// concurrently. A node's verdict is the FIRST blocked verdict in gate order (the order of
// buildGates: window, blocking pods, alerts, query), so the reason shown is stable from cycle to
// cycle and a notification fires only when it really changes.

import { blocked, OPEN, type Gate, type GateInput, type Verdict } from './gate.ts';

/** One gate's answer; a gate that throws blocks every node with the error as the reason. */
export async function evaluateGate(gate: Gate, input: GateInput): Promise<(node: string) => Verdict> {
  try {
    return await gate.evaluate(input);
  } catch (error) {
    const verdict = blocked(gate.name, `gate failed: ${(error as Error).message}`);
    return () => verdict;
  }
}

export async function evaluateGates(gates: readonly Gate[], input: GateInput): Promise<(node: string) => Verdict> {
  const answers = await Promise.all(gates.map((gate) => evaluateGate(gate, input)));
  return (node) => {
    for (const answer of answers) {
      const verdict = answer(node);
      if (!verdict.open) return verdict;
    }
    return OPEN;
  };
}
