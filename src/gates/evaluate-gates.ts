// All gates for one decision cycle: every gate is evaluated once, concurrently, and a failing gate
// blocks with its error. A node's verdict is the FIRST blocked verdict in gate order (the order of
// buildGates: window, blocking pods, alerts, query), so the reason shown is stable from cycle to
// cycle and a notification fires only when it really changes. evaluateAll keeps every verdict for
// the status API ("why is node X not rebooting?" may have several answers).

import { blocked, OPEN, type Gate, type GateInput, type Verdict } from './gate.ts';

async function evaluateOne(gate: Gate, input: GateInput): Promise<(node: string) => Verdict> {
  try {
    return await gate.evaluate(input);
  } catch (error) {
    const verdict = blocked(gate.name, `gate failed: ${(error as Error).message}`);
    return () => verdict;
  }
}

export async function evaluateAll(gates: readonly Gate[], input: GateInput): Promise<(node: string) => Verdict[]> {
  const answers = await Promise.all(gates.map((gate) => evaluateOne(gate, input)));
  return (node) => answers.map((answer) => answer(node));
}

export async function evaluateGates(gates: readonly Gate[], input: GateInput): Promise<(node: string) => Verdict> {
  const all = await evaluateAll(gates, input);
  return (node) => all(node).find((verdict) => !verdict.open) ?? OPEN;
}
